"""Task-tree compaction keeps looping instances small without changing what they do.

Every scenario is driven the way the platform drives an instance: act (complete a
user task, deliver a message, let a timer fire), run the engine, compact, dump to
JSON and load back.  A reference run of the same scenario without compaction must
end with the same data and the same path (the tasks run, in order).
"""
import json
import re
from functools import reduce
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from govflow.engine import clock
from govflow.engine.compaction import compact

FIXTURES = Path(__file__).parent / "fixtures"
from tests.conftest import CORPUS as SHARED  # noqa: E402
CORPUS = SHARED / "spiffworkflow-camunda"
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))


def assert_well_formed(workflow):
    """Every task hangs once off its root, links agree, parents precede children."""
    for wf in [workflow, *workflow.subprocesses.values()]:
        order = {task_id: index for index, task_id in enumerate(wf.tasks)}
        seen, stack = set(), [wf.task_tree]
        while stack:
            task = stack.pop()
            seen.add(task.id)
            for child in task.children:
                assert child._parent == task.id and order[child.id] > order[task.id]
                stack.append(child)
        assert seen == set(wf.tasks)
        if wf is not workflow:
            assert workflow.get_task_from_id(wf.parent_task_id) is not None


class Run:
    """One process instance, stepped like the platform steps it."""

    def __init__(self, files, process=None, collaboration=None, dmn=(), data=None,
                 compacting=True, roundtrip=True, script_engine=None):
        parser = CamundaParser()
        parser.add_bpmn_files([str(f) for f in files])
        for path in dmn:
            parser.add_dmn_file(str(path))
        if collaboration:
            spec, subprocess_specs = parser.get_collaboration(collaboration)
        else:
            spec, subprocess_specs = parser.get_spec(process), parser.get_subprocess_specs(process)
        self.workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
        self.workflow.task_tree.data.update(data or {})
        self.compacting, self.roundtrip, self.script_engine = compacting, roundtrip, script_engine
        self.path, self.json_size, self.labels = [], 0, {}

    def step(self, action=None):
        if action is not None:
            action()
        self.workflow.do_engine_steps(did_complete_task=lambda t: self.path.append(t.task_spec.name))
        if self.compacting:
            compact(self.workflow)
            assert compact(self.workflow) == 0, "compaction is idempotent"
            assert_well_formed(self.workflow)
        if self.roundtrip:
            dumped = SERIALIZER.serialize_json(self.workflow)
            self.json_size = len(dumped)
            self.workflow = SERIALIZER.deserialize_json(dumped)
            if self.script_engine is not None:
                self.workflow.script_engine = self.script_engine

    def ready(self, manual=True):
        return [t for t in self.workflow.get_tasks(state=TaskState.READY)
                if manual is None or t.task_spec.manual == manual]

    def find_ready(self, spec_name, manual=True):
        matches = [t for t in self.ready(manual) if t.task_spec.name == spec_name]
        assert matches, f"{spec_name} is not ready; ready: {[t.task_spec.name for t in self.ready(None)]}"
        return matches[0]

    def complete(self, spec_name, label=None, **data):
        task = self.find_ready(spec_name)
        if label:
            self.labels[label] = task.id

        def act():
            task.data.update(data)
            task.run()
            self.path.append(spec_name)
        self.step(act)

    def send(self, name, payload, result_var=None, engine=True):
        event = BpmnEvent(MessageEventDefinition(name), {"payload": payload, "result_var": result_var})
        if engine:
            self.step(lambda: self.workflow.catch(event))
        else:
            self.workflow.catch(event)

    def tick(self):
        self.step(self.workflow.refresh_timers)

    def task_count(self):
        wf = self.workflow
        return len(wf.tasks) + sum(len(sp.tasks) for sp in wf.subprocesses.values())

    def latest(self, spec_name):
        tasks = self.workflow.get_tasks(spec_name=spec_name, state=TaskState.COMPLETED)
        return max(tasks, key=lambda t: t.last_state_change)


# --- looping scenarios: play(run, round_no, last_round) drives one round ----------

def play_rework(run, r, last):
    run.complete("draft", approved=last, round=r)


def play_parallel(run, r, last):
    # Always A first: the engine's parallel gateway counts inputs of earlier rounds,
    # so a round completed in another order than the last one fires it early, with
    # or without compaction (see govflow/engine/compaction.py).
    run.complete("check_a", a=r)
    assert [t.task_spec.name for t in run.ready()] == ["check_b"], "the join must wait for check_b"
    run.complete("check_b", b=r, approved=last)


def _boundary_kind(r):
    return {3: "timer", 5: "recall"}.get(r % 6, "handle")


def play_boundary(run, r, last):
    # The timer is armed with the limit set at the end of the previous round.
    limit = "PT0S" if _boundary_kind(r + 1) == "timer" else "PT1H"
    kind = _boundary_kind(r)
    if kind == "timer":
        run.tick()
        run.complete("escalate", handle_limit=limit, escalated=r)
    elif kind == "recall":
        run.send("recall", {"reason": f"round {r}"}, "recall_reason")
    else:
        run.complete("handle", approved=last, handle_limit=limit, handled=r)


def play_event_gateway(run, r, last):
    timeout = r % 4 == 2 and not last
    run.complete("publish", approved=last, rating_limit="PT0S" if timeout else "PT1H")
    if timeout:
        run.tick()
    else:
        run.send("rating", {"stars": r % 5}, "rating")


def play_multiinstance(run, r, last):
    # Each instance writes its element variable back into the collection.
    for index in range(3):
        run.complete("opinion [child]", reviewer=r * 10 + index)
    for index in range(2):
        run.complete("sign [child]", signer=r * 10 + index)
    run.complete("conclude", approved=last)


def play_subprocess(run, r, last):
    run.complete("fill", filled=r)
    run.complete("vote", votes=r, approved=last)


SCENARIOS = {
    "rework": ("rework_loop.bpmn", "rework_loop", play_rework, {}),
    "parallel": ("parallel_loop.bpmn", "parallel_loop", play_parallel, {}),
    "boundary": ("boundary_loop.bpmn", "boundary_loop", play_boundary, {"handle_limit": "PT1H"}),
    "event_gateway": ("event_gateway_loop.bpmn", "event_gateway_loop", play_event_gateway, {}),
    "multiinstance": ("multiinstance_loop.bpmn", "multiinstance_loop", play_multiinstance,
                      {"reviewers": ["grid", "community", "street"], "signers": ["chief", "deputy"]}),
    "subprocess": ("subprocess_loop.bpmn", "subprocess_loop", play_subprocess, {}),
}


def drive(name, rounds, compacting=True, roundtrip=True, on_round=None):
    filename, process, play, data = SCENARIOS[name]
    run = Run([FIXTURES / filename], process, data=dict(data), compacting=compacting, roundtrip=roundtrip)
    run.step()
    for r in range(1, rounds + 1):
        started = time.perf_counter()
        play(run, r, r == rounds)
        if on_round:
            on_round(run, r, time.perf_counter() - started)
    return run


def test_the_uncompacted_engine_stalls_and_compaction_recovers_it():
    run = Run([FIXTURES / "rework_loop.bpmn"], "rework_loop", compacting=False, roundtrip=False)
    run.step()
    stalled_at = None
    for r in range(1, 400):
        if not run.ready():
            stalled_at = r
            break
        run.complete("draft", approved=False, round=r)
    print(f"\nuncompacted rework loop stalls at round {stalled_at} ({len(run.workflow.tasks)} tasks)")
    assert stalled_at is not None and 200 < stalled_at < 300
    # The READY gateway is still in the tree, only deeper than TaskIterator looks.
    assert [t.task_spec.name for t in run.workflow.tasks.values() if t.state == TaskState.READY] == ["review"]
    assert compact(run.workflow) > 900
    run.step()
    run.complete("draft", approved=True, round=stalled_at)
    assert run.workflow.completed and run.workflow.data["drafts"] == stalled_at


def test_a_thousand_rounds_stay_small_and_fast():
    figures = {}

    def measure(run, r, elapsed):
        if r in (10, 100, 1000):
            figures[r] = (run.task_count(), run.json_size, elapsed * 1000)

    run = drive("rework", 1001, on_round=measure)
    assert run.workflow.completed
    assert run.workflow.data == {"approved": True, "round": 1001, "drafts": 1001}
    for r, (tasks, size, ms) in sorted(figures.items()):
        print(f"\nround {r}: {tasks} tasks, {size} bytes of JSON, {ms:.2f} ms per step")
    assert figures[1000][0] <= figures[10][0] + 2
    assert figures[1000][1] <= figures[10][1] + 200


# The uncompacted engine slows down quadratically (joins scan the whole tree), so the
# heavier scenarios are compared over fewer rounds.
REFERENCE_ROUNDS = {"parallel": 40, "multiinstance": 60, "subprocess": 60}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_compacted_run_matches_uncompacted(name):
    rounds = REFERENCE_ROUNDS.get(name, 150)
    reference = drive(name, rounds, compacting=False, roundtrip=False)
    compacted = drive(name, rounds)
    assert reference.workflow.completed and compacted.workflow.completed
    assert compacted.workflow.data == reference.workflow.data
    assert compacted.workflow.last_task.data == reference.workflow.last_task.data
    assert compacted.path == reference.path


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_long_runs_stay_bounded(name):
    sizes = {}
    run = drive(name, 300, on_round=lambda run, r, _: sizes.setdefault(r, run.task_count()))
    assert run.workflow.completed
    assert max(sizes[r] for r in range(12, 300)) <= max(sizes[r] for r in range(1, 12)) + 4


@pytest.mark.parametrize("name, spec_name", [
    ("rework", "draft"), ("boundary", "handle"), ("parallel", "check_a"), ("parallel", "check_b"),
])
def test_reopening_at_a_resume_point_matches_uncompacted(name, spec_name):
    runs = [drive(name, 20, compacting=c, roundtrip=c) for c in (False, True)]
    for run in runs:
        # Return the completed instance to the latest run of a user task (退回).
        run.workflow.reset_from_task_id(run.latest(spec_name).id)
        run.step()
        while not run.workflow.completed:
            run.complete(run.ready()[0].task_spec.name, approved=True, reopened=True)
    reference, compacted = runs
    assert compacted.workflow.data == reference.workflow.data
    assert compacted.path == reference.path


def test_a_failed_task_survives_compaction_and_can_be_retried():
    run = Run([FIXTURES / "rework_loop.bpmn"], "rework_loop")
    run.step()
    for r in range(1, 31):
        run.complete("draft", approved=False)
    with pytest.raises(Exception, match="concatenate"):
        run.complete("draft", approved=False, drafts="thirty")
    run.step()
    failed = run.workflow.get_tasks(state=TaskState.ERROR)
    assert [t.task_spec.name for t in failed] == ["tally"]
    failed[0].data["drafts"] = 30
    run.step(failed[0].run)
    run.complete("draft", approved=True)
    assert run.workflow.completed and run.workflow.data["drafts"] == 32


def test_completed_workflow_compacts_to_almost_nothing():
    run = drive("subprocess", 5, compacting=False)
    data, last_data = dict(run.workflow.data), dict(run.workflow.last_task.data)
    assert compact(run.workflow) > 30
    assert compact(run.workflow) == 0
    assert run.task_count() <= 8 and not run.workflow.subprocesses
    loaded = SERIALIZER.deserialize_json(SERIALIZER.serialize_json(run.workflow))
    assert loaded.is_completed() and loaded.data == data and loaded.last_task.data == last_data


# --- the engine's own Camunda test diagrams, compacted after every step ----------

CASES = json.loads((CORPUS / "cases.json").read_text()) if CORPUS.exists() else []


def _run_case(case, compacting):
    files = [p for pattern in case["bpmn"] for p in sorted(CORPUS.glob(pattern))]
    script_globals = {"timedelta": timedelta} if "timedelta" in case.get("script_env", []) else {}
    run = Run(files, case.get("process"), case.get("collaboration"),
              [CORPUS / d for d in case.get("dmn", [])], compacting=compacting, roundtrip=compacting,
              script_engine=PythonScriptEngine(environment=TaskDataEnvironment(script_globals)))
    run.now = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
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
