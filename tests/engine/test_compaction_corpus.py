"""SpiffWorkflow's own Camunda test diagrams (shared/corpus), compacted after every step,
end as they end uncompacted (same data, same path)."""
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from functools import reduce

import pytest
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from govflow.engine import clock
from tests.conftest import CORPUS as SHARED
from tests.engine.compaction_run import Run

CORPUS = SHARED / "spiffworkflow-camunda"
CASES = json.loads((CORPUS / "cases.json").read_text()) if CORPUS.exists() else []


def _run_case(case, compacting):
    files = [p for pattern in case["bpmn"] for p in sorted(CORPUS.glob(pattern))]
    script_globals = {"timedelta": timedelta} if "timedelta" in case.get("script_env", []) else {}
    run = Run(files, case.get("process"), case.get("collaboration"),
              [CORPUS / d for d in case.get("dmn", [])], compacting=compacting, roundtrip=compacting,
              script_engine=PythonScriptEngine(environment=TaskDataEnvironment(script_globals)))
    run.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    for op in case["steps"]:
        with clock.frozen_at(run.now):
            OPS[op["op"]](run, op)
    return run


def _complete_all(run, op):
    for _ in range(op["count"]):
        task = run.find_ready(op["task"])
        run.complete(op["task"], **{k: eval(v, {}, dict(task.data)) for k, v in op["data_expr"].items()})


def _reset_to(run, op):
    run.workflow.reset_from_task_id(run.labels[op["label"]])
    if op.get("engine", True):
        run.step()


def _expect_ready(run, op):
    tasks = run.ready(True if op.get("user_only", True) else None)
    if "count" in op:
        assert len(tasks) == op["count"]
    attr = op.get("attr", "name")
    names = {getattr(t.task_spec, attr): t for t in tasks}
    if "tasks" in op:
        assert sorted(names) == sorted(op["tasks"])
    for name, expected in op.get("data", {}).items():
        assert expected.items() <= names[name].data.items()


def _answer(run, answers, manual=True):
    for task in run.ready(manual):
        task.data.update(answers.get(task.task_spec.name, {}))
        task.run()
        run.path.append(task.task_spec.name)


def _run_spec(run, op):
    task = run.find_ready(op["spec"], manual=None)
    run.step(task.run)
    assert op["expect_data"].items() <= task.data.items()


def _expect_task_count(run, op):
    # A compacted tree holds fewer tasks by design; only the reference run can check.
    if not run.compacting:
        assert len(run.workflow.get_tasks()) == op["count"]


def _sleep_refresh(run, seconds):
    # The cases' clock is simulated: a real sleep on a loaded machine let timers of a
    # few milliseconds fall due in one run and not in the other.
    run.now += timedelta(seconds=seconds)
    with clock.frozen_at(run.now):
        run.tick()


OPS = {
    "engine": lambda run, op: run.step(),
    "set_data": lambda run, op: run.workflow.task_tree.data.update(op["data"]),
    "complete": lambda run, op: run.complete(op["task"], op.get("record_as"), **op["data"]),
    "complete_all": _complete_all,
    "reset_to": _reset_to,
    "expect_ready": _expect_ready,
    "expect_task_count": _expect_task_count,
    "catch_message": lambda run, op: run.send(op["name"], op["payload"], op["result_var"],
                                              op.get("engine", True)),
    "answer_ready": lambda run, op: run.step(lambda: _answer(run, op["answers"])),
    "run_all_ready": lambda run, op: (run.step(lambda: _answer(run, op["data_by_task"], None)),
                                      _sleep_refresh(run, op["sleep"])),
    "sleep_refresh": lambda run, op: _sleep_refresh(run, op["seconds"]),
    "run_spec": _run_spec,
}


RUNNABLE = [c for c in CASES if "expect_form" not in {s["op"] for s in c["steps"]}]


@pytest.mark.skipif(not CASES, reason="corpus not available")
@pytest.mark.parametrize("case", RUNNABLE, ids=[c["id"] for c in RUNNABLE])
def test_corpus_case_with_compaction(case):
    expect = case["expect"]
    if "error_contains" in expect:
        with pytest.raises(Exception, match=re.escape(expect["error_contains"])):
            _run_case(case, compacting=True)
        return
    run = _run_case(case, compacting=True)
    reference = _run_case(case, compacting=False)
    wf = run.workflow
    if "completed" in expect:
        assert wf.is_completed() == expect["completed"]
    assert expect.get("workflow_data", {}).items() <= wf.data.items()
    assert expect.get("last_task_data", {}).items() <= wf.last_task.data.items()
    for path, value in expect.get("workflow_data_path", {}).items():
        assert reduce(lambda data, key: data[key], path.split("."), wf.data) == value
    if "path" in expect:
        assert [name for name in run.path if name in expect["path"]] == expect["path"]
    assert wf.data == reference.workflow.data and run.path == reference.path
