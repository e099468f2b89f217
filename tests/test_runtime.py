"""Camunda extensions executed by the platform: timers, messages, call activities,
multi-instance with per-department scope, DMN, incidents and retries."""
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from govflow.database import commit, writing
from govflow.errors import Conflict, NotFound
from govflow.extensions import db
from govflow.identity.access import principal_for
from govflow.identity.service import get_user
from govflow.instances.models import Incident, ProcessInstance
from govflow.instances.service import deliver_message, retry_incident, start_instance
from govflow.worklist.inbox import list_tasks
from govflow.worklist.models import HumanTask
from govflow.worklist.service import complete_task


def start(key, unit="grid_yg_1", **variables):
    with writing():
        instance = start_instance(key, unit, variables, variables.pop("business_key", None))
        commit()
    return instance.id


def complete(username, task_id, **values):
    with writing():
        complete_task(task_id, principal_for(get_user(username)), values)
        commit()


def open_tasks(username):
    rows, _ = list_tasks(principal_for(get_user(username)))
    return rows


def worker(app, now):
    result = app.test_cli_runner().invoke(args=["worker", "--once", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def test_boundary_timers_fire_through_worker_once_now(deploy_fixture, app):
    deploy_fixture("escalation.bpmn")
    instance_id = start("escalation")
    handle = open_tasks("grid1")[0]
    assert handle.element_id == "handle" and handle.due_at is not None
    started = db.session.get(ProcessInstance, instance_id).next_timer_at
    assert started is not None
    now = datetime.now(UTC)
    assert "timers fired: 0" in worker(app, now + timedelta(minutes=5))
    worker(app, now + timedelta(minutes=31))   # first reminder (cycle, non-interrupting)
    db.session.expire_all()
    inst = db.session.get(ProcessInstance, instance_id)
    assert inst.variables.get("reminders") == 1 and inst.status == "active"
    assert [t.element_id for t in open_tasks("grid1")] == ["handle"]
    worker(app, now + timedelta(hours=2, minutes=1))  # the interrupting timer
    db.session.expire_all()
    assert open_tasks("grid1") == []
    escalated = open_tasks("secretary")
    assert [t.element_id for t in escalated] == ["escalated"]
    cancelled = db.session.scalar(select(HumanTask).where(HumanTask.element_id == "handle"))
    assert cancelled.status == "cancelled"


def test_message_by_business_key_and_expressions(deploy_fixture):
    deploy_fixture("rating.bpmn")
    instance_id = start("rating", business_key="2026-000042", publisher="secretary",
                        publish_by="2030-01-01T09:00:00", callback_users="cstaff,street", urgent=True)
    task = open_tasks("secretary")[0]
    assert task.assignee_id == get_user("secretary").id
    assert task.due_at == datetime(2030, 1, 1, 1, 0)  # 09:00 without offset is 09:00 in TIMEZONE (UTC+8)
    with pytest.raises(NotFound):  # nobody waits for it yet
        deliver_message("case_rated", business_key="2026-000042")
    db.session.rollback()
    complete("secretary", task.id)
    with pytest.raises(NotFound):
        deliver_message("case_rated", business_key="2026-999999")
    db.session.rollback()
    with writing():
        assert deliver_message("case_rated", business_key="2026-000042",
                               variables={"satisfaction": "unsatisfied"}) == [instance_id]
        commit()
    callback = open_tasks("street")
    assert [t.element_id for t in callback] == ["callback"] and callback[0].priority == 90
    assert open_tasks("grid1") == []  # candidate users only
    complete("cstaff", callback[0].id)
    assert db.session.get(ProcessInstance, instance_id).status == "completed"


def test_call_activity_multi_instance_scope_and_dmn(org):
    from govflow.definitions.service import deploy
    from tests.conftest import FIXTURES
    with writing():
        deploy({"child.bpmn": (FIXTURES / "child.bpmn").read_bytes()})
        commit()
    with writing():  # the caller is deployed separately and finds the callee
        deploy({"parent.bpmn": (FIXTURES / "parent.bpmn").read_bytes(),
                "dept_deadline.dmn": (FIXTURES / "dept_deadline.dmn").read_bytes()})
        commit()
    instance_id = start("parent", unit="grid_yg_2", category="road",
                        departments=["dept_urban", "dept_housing"])
    urban, housing = open_tasks("urban"), open_tasks("housing")
    assert len(urban) == 1 and len(housing) == 1 and open_tasks("market") == []
    created = urban[0].created_at
    assert urban[0].due_at - created > timedelta(days=4, hours=23)
    assert urban[0].due_at - created < timedelta(days=5, hours=1)
    complete("urban", urban[0].id)
    assert open_tasks("cstaff") == []
    complete("housing", housing[0].id)
    talk = open_tasks("cstaff")
    assert [t.element_id for t in talk] == ["deliberate"]
    complete("cstaff", talk[0].id)
    assert db.session.get(ProcessInstance, instance_id).status == "completed"


def test_failing_service_task_becomes_incident_and_retry(deploy_fixture):
    deploy_fixture("failing.bpmn")
    instance_id = start("failing")
    inst = db.session.get(ProcessInstance, instance_id)
    assert inst.status == "error"
    incident = db.session.scalar(select(Incident).where(Incident.instance_id == instance_id))
    assert incident.element_id == "call" and "fails on purpose" in incident.message
    assert open_tasks("grid1") == []
    with writing():  # still failing: the incident stays, the instance stays in error
        retry_incident(incident.id, None)
        commit()
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance_id).status == "error"
    open_incident = db.session.scalar(select(Incident).where(
        Incident.instance_id == instance_id, Incident.resolved_at.is_(None)))
    assert open_incident is not None
    from govflow.instances.runtime import changing
    with writing():
        with changing(instance_id) as change:
            change.skip_engine = True
            change.engine.set_variables({"allow_pass": True})
        commit()
    with writing():
        retry_incident(open_incident.id, None)
        commit()
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance_id).status == "active"
    assert [t.element_id for t in open_tasks("grid1")] == ["after"]
    with pytest.raises(NotFound):
        retry_incident(open_incident.id, None)


def test_suspended_instance_refuses_work(deploy_fixture, api_as):
    deploy_fixture("review.bpmn")
    instance_id = start("review", rounds=0)
    admin, grid1 = api_as("admin"), api_as("grid1")
    assert grid1.post(f"/process-instances/{instance_id}/suspend", {}).status_code == 403
    assert admin.post(f"/process-instances/{instance_id}/suspend", {"reason": "核查"}).status_code == 200
    task_id = grid1.get("/tasks").json[0]["id"]
    assert grid1.post(f"/tasks/{task_id}/complete", {"variables": {"approved": True}}).status_code == 409
    assert admin.post(f"/process-instances/{instance_id}/suspend", {}).status_code == 409
    assert admin.post(f"/process-instances/{instance_id}/resume", {}).status_code == 200
    assert admin.post(f"/process-instances/{instance_id}/terminate", {"reason": "重复"}).status_code == 200
    assert grid1.get("/tasks").json == []
    events = admin.get(f"/process-instances/{instance_id}/events").json
    assert [e["comment"] for e in events if e["kind"] == "instance_terminated"] == ["重复"]
    _ = Conflict


def test_two_steps_of_one_instance_in_one_transaction_each_see_the_last(deploy_fixture):
    """The engine state read with the lock (SQLite) serves the first load after it only:
    a second step in the same unit of work runs on the first one's result, whether this
    process's engine cache was current or cold."""
    from govflow.instances.runtime import changing, engine_cache
    deploy_fixture("review.bpmn")
    for cold in (False, True):
        instance_id = start("review", rounds=0)
        verify = db.session.scalar(select(HumanTask.id).where(HumanTask.instance_id == instance_id))
        if cold:
            engine_cache.clear()
        with writing():
            complete_task(verify, principal_for(get_user("grid1")), {"approved": False})
            rework = db.session.scalar(select(HumanTask.id).where(
                HumanTask.instance_id == instance_id, HumanTask.element_id == "rework", HumanTask.status == "open"))
            complete_task(rework, principal_for(get_user("secretary")), {})
            # A change that locks by instance id (held since the task's lock) loads the
            # state the completions left, not the one read with the first lock.
            with changing(instance_id) as change:
                assert sorted(change.engine.active_element_ids()) == ["verify"]
                change.keep_engine_state()
            commit()
        db.session.remove()
        rows = db.session.execute(select(HumanTask.element_id, HumanTask.status).where(
            HumanTask.instance_id == instance_id).order_by(HumanTask.id)).all()
        assert [tuple(r) for r in rows] == [("verify", "completed"), ("rework", "completed"), ("verify", "open")]
        instance = db.session.get(ProcessInstance, instance_id)
        assert instance.current_steps == "核实" and instance.status == "active"
