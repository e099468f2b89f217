"""Admin operations as services: a reason each, audited, through the one change path."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from govflow.admin.detail import instance_page
from govflow.admin.service import operate
from govflow.database import commit, writing
from govflow.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from govflow.extensions import db
from govflow.instances.models import Incident, InstanceEvent, ProcessInstance
from govflow.worklist.models import HumanTask
from tests.web.test_actions import verify


def run(fn, *args, **kwargs):
    with writing():
        try:
            result = fn(*args, **kwargs)
        except Exception:
            db.session.rollback()
            raise
        commit()
    db.session.expire_all()
    return result


def audit(instance_id, kind):
    return db.session.scalars(select(InstanceEvent).where(InstanceEvent.instance_id == instance_id,
                                                          InstanceEvent.kind == kind)).all()


def test_suspend_resume_terminate_need_a_reason_and_are_audited(cases, principal_of):
    admin, first = principal_of("admin"), cases[0]
    with pytest.raises(ValidationFailed) as exc:
        run(operate, admin, first, "suspend", "  ")
    assert set(exc.value.errors) == {"reason"}
    with pytest.raises(Forbidden):
        run(operate, principal_of("secretary"), first, "suspend", "想挂起")
    assert db.session.get(ProcessInstance, first).status == "active"

    run(operate, admin, first, "suspend", "等待上级批示")
    assert db.session.get(ProcessInstance, first).status == "suspended"
    event = audit(first, "instance_suspended")[-1]
    assert event.comment == "等待上级批示" and event.actor_id == admin.user_id
    with pytest.raises(InvalidTransition):
        run(operate, admin, first, "suspend", "再挂起一次")
    run(operate, admin, first, "resume", "批示已到")
    assert db.session.get(ProcessInstance, first).status == "active"
    run(operate, admin, first, "terminate", "重复上报")
    instance = db.session.get(ProcessInstance, first)
    assert instance.status == "terminated" and instance.ended_at is not None
    assert audit(first, "instance_terminated")[-1].comment == "重复上报"
    with pytest.raises(ValidationFailed):
        run(operate, admin, first, "explode", "原因")
    with pytest.raises(NotFound):
        run(operate, admin, 999999, "suspend", "原因")


def test_reassign_gives_the_task_to_another_user(cases, principal_of):
    admin, first = principal_of("admin"), cases[0]
    task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == first))
    with pytest.raises(ValidationFailed):
        run(operate, admin, first, "reassign", "人员调整", task_id=task.id, username="nobody")
    with pytest.raises(NotFound):
        run(operate, admin, cases[1], "reassign", "人员调整", task_id=task.id, username="grid2")
    run(operate, admin, first, "reassign", "人员调整", task_id=task.id, username="grid2")
    assert db.session.get(HumanTask, task.id).assignee_id == principal_of("grid2").user_id
    event = audit(first, "task_reassigned")[-1]
    assert event.comment == "人员调整" and event.data["to"] == "grid2" and event.task_id == task.id


def test_move_back_to_an_earlier_step(web_case, principal_of):
    from govflow.worklist.starting import start_process
    with writing():
        instance = start_process(principal_of("grid1"), "web_case", "grid_yg_1",
                                 {"title": "路灯", "category": "road", "description": "不亮"})
        commit()
    first = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance.id))
    review = verify(first.id, principal_of)
    page = instance_page(instance.id)
    assert page["earlier_steps"] == [("verify", "现场核实")]
    assert page["diagram"] == {"done": ["verify"], "current": ["review"], "failed": [], "counts": {}, "calls": []}
    run(operate, principal_of("admin"), instance.id, "move", "核实不充分", element_id="verify")
    assert db.session.get(HumanTask, review.id).status == "cancelled"
    assert instance_page(instance.id)["diagram"]["counts"] == {"verify": 2}   # moved back: a second round
    assert audit(instance.id, "instance_moved")[-1].comment == "核实不充分"


def test_retry_an_incident_records_the_reason(deploy_fixture, principal_of):
    from govflow.instances.service import start_instance
    deploy_fixture("failing.bpmn")
    with writing():
        instance_id = start_instance("failing", "grid_yg_1").id
        commit()
    incident = db.session.scalar(select(Incident).where(Incident.instance_id == instance_id))
    assert [i.id for i in instance_page(instance_id)["incidents"]] == [incident.id]
    with pytest.raises(NotFound):
        run(operate, principal_of("admin"), instance_id, "retry", "再试", incident_id=incident.id + 100)
    run(operate, principal_of("admin"), instance_id, "retry", "接口已恢复", incident_id=incident.id)
    assert audit(instance_id, "incident_retried")[-1].comment == "接口已恢复"
