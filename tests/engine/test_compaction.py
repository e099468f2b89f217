"""Task-tree compaction keeps looping instances small without changing what they do.

Every scenario is driven the way the platform drives an instance: act (complete a
user task, deliver a message, let a timer fire), run the engine, compact, dump to
JSON and load back.  A reference run of the same scenario without compaction must
end with the same data and the same path (the tasks run, in order).
"""
import time
from pathlib import Path

import pytest
from SpiffWorkflow.util.task import TaskState

from govflow.engine.compaction import compact
from tests.engine.compaction_run import SERIALIZER, Run

FIXTURES = Path(__file__).parent / "fixtures"


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
    for _r in range(1, 31):
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
