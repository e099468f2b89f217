"""An administrator moves an instance back to an earlier step (退回), through the one
change path: the step opens again as a new task, what followed it is cancelled, the
reason is in the audit trail, and wrong requests change nothing."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from govflow.database import commit, writing
from govflow.errors import Conflict, NotFound, ValidationFailed
from govflow.extensions import db
from govflow.identity.service import get_user
from govflow.instances.operations import move_to_step
from govflow.instances.service import transition
from govflow.worklist.models import HumanTask

from .corpus_table import CAMUNDA
from .drive import (
    CORPUS,
    complete_element,
    deploy_files,
    drive,
    events,
    incidents,
    instance,
    open_element_ids,
    read,
    start,
)

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not mounted")

TWO_STEPS = CAMUNDA + "multi-tenancy/tenant-identifier-shared-definitions/src/main/resources/processes/tenant2/" \
                      "subProcess.bpmn"
FIRST, SECOND = "UserTask_17fr4ij", "UserTask_0wbry7k"
FAILS_AFTER_TASK = Path(__file__).resolve().parent.parent / "fixtures" / "fails_after_task.bpmn"


def move(instance_id, element_id, reason="结果不合格，退回重办"):
    with writing():
        moved = move_to_step(instance_id, element_id, get_user("admin").id, reason)
        commit()
    return moved


def rows(instance_id, element_id):
    return list(db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.element_id == element_id).order_by(HumanTask.id)))


@pytest.fixture
def two_steps(org):
    deploy_files(read(TWO_STEPS))
    instance_id = start("subProcess")
    complete_element(instance_id, FIRST, {"note": "first round"})
    assert open_element_ids(instance_id) == [SECOND]
    return instance_id


def test_moving_back_reopens_the_step_as_a_new_task_and_records_why(app, two_steps):
    moved = move(two_steps, FIRST)

    assert moved.status == "active" and open_element_ids(two_steps) == [FIRST]
    done, again = rows(two_steps, FIRST)
    assert (done.status, again.status) == ("completed", "open")
    assert done.engine_task_id != again.engine_task_id
    assert [r.status for r in rows(two_steps, SECOND)] == ["cancelled"]
    moved_event = events(two_steps, "instance_moved")
    assert [(e.element_id, e.comment, e.data) for e in moved_event] == [
        (FIRST, "结果不合格，退回重办", {"to": FIRST, "open_before": [SECOND]})]
    assert moved_event[0].actor_id == get_user("admin").id
    assert [e.element_id for e in events(two_steps, "task_cancelled")] == [SECOND]

    walk = drive(app, two_steps)
    assert (walk.status, walk.path) == ("completed", [FIRST, SECOND])


def test_moving_back_past_a_failed_step_resolves_its_incident(app, org, passthrough):
    files = {FAILS_AFTER_TASK.name: FAILS_AFTER_TASK.read_bytes()}
    deploy_files(files)
    instance_id = start("fails_after_task", {"done": 1, "total": 0})
    assert drive(app, instance_id).status == "error"
    assert [i.element_id for i in incidents(instance_id)] == ["scriptTask"]

    assert move(instance_id, "userTaskB").status == "active"
    assert incidents(instance_id) == [] and open_element_ids(instance_id) == ["userTaskB"]


@pytest.mark.parametrize("element_id, reason, error, text", [
    ("NoSuchStep", "退回", NotFound, "has no element 'NoSuchStep'"),
    (SECOND, "退回", Conflict, f"'{SECOND}' has not run in this instance"),
    (FIRST, "  ", ValidationFailed, "a reason is required"),
])
def test_a_wrong_request_is_refused_and_changes_nothing(two_steps, element_id, reason, error, text):
    before = instance(two_steps).lock_version
    with pytest.raises(error, match=text):
        move(two_steps, element_id, reason)
    db.session.rollback()
    assert instance(two_steps).lock_version == before
    assert open_element_ids(two_steps) == [SECOND] and events(two_steps, "instance_moved") == []


def test_only_a_running_instance_can_be_moved_back(app, two_steps):
    with writing():
        transition(two_steps, "suspend", get_user("admin").id, "核查")
        commit()
    with pytest.raises(Conflict, match="is suspended; only a running instance can be moved back"):
        move(two_steps, FIRST)
    db.session.rollback()
    with writing():
        transition(two_steps, "resume", get_user("admin").id)
        commit()
    assert drive(app, two_steps).status == "completed"
    with pytest.raises(Conflict, match="is completed"):
        move(two_steps, FIRST)
    db.session.rollback()
    with pytest.raises(NotFound, match="process instance 999999 does not exist"):
        move(999999, FIRST)
