"""Timer start events as Camunda Modeler writes them: the deployed process starts its
own instances at the due times (timeDate, timeCycle with a count, without end, cron),
one job per event; a new version replaces the old version's jobs; a suspended
definition starts nothing; the instance's org unit is the event's ``org_unit``
property, else the root unit."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from govflow.definitions.models import TimerStartJob
from govflow.engine import clock
from govflow.extensions import db
from govflow.identity.models import OrgUnit
from govflow.instances.models import ProcessInstance

from .drive import complete_element, events, instance, open_element_ids, start, worker
from .modeler import diagram
from .test_versions import deploy_rest

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Monday 1 March 2027, 08:30 in Shanghai: when the process is deployed.
DEPLOYED = datetime(2027, 3, 1, 8, 30, tzinfo=SHANGHAI)


def _timer(element_id: str, kind: str, value: str, org_unit: str | None = None) -> str:
    props = (f'<bpmn:extensionElements><camunda:properties><camunda:property name="org_unit" value="{org_unit}" />'
             '</camunda:properties></bpmn:extensionElements>') if org_unit else ""
    return (f'<bpmn:startEvent id="{element_id}" name="{element_id}">{props}'
            f'<bpmn:timerEventDefinition id="{element_id}_T"><bpmn:{kind} xsi:type="bpmn:tFormalExpression">'
            f'{value}</bpmn:{kind}></bpmn:timerEventDefinition></bpmn:startEvent>')


def _patrol(*starts: tuple[str, str, str] | tuple[str, str, str, str], none_start: bool = False) -> bytes:
    """A patrol: each start event leads to the user task Patrol, then the end."""
    ids = [s[0] for s in starts] + (["Manual"] if none_start else [])
    body = "".join(_timer(*s) for s in starts) + ('<bpmn:startEvent id="Manual" />' if none_start else "")
    body += "".join(f'<bpmn:sequenceFlow id="F_{i}" sourceRef="{i}" targetRef="Patrol" />' for i in ids)
    body += ('<bpmn:userTask id="Patrol" name="巡查" camunda:candidateGroups="grid_worker" />'
             '<bpmn:sequenceFlow id="F_end" sourceRef="Patrol" targetRef="EndEvent_1" />'
             '<bpmn:endEvent id="EndEvent_1" />')
    return diagram("patrol", body, name="网格巡查")


def _deploy(api_as, data: bytes, at: datetime = DEPLOYED) -> dict:
    with clock.frozen_at(at):
        answer = deploy_rest(api_as("designer"), {"patrol.bpmn": data})
    assert answer.status_code == 201, answer.json
    return answer.json


def _jobs() -> dict[str, TimerStartJob]:
    db.session.expire_all()
    return {j.element_id: j for j in db.session.scalars(select(TimerStartJob).where(
        TimerStartJob.process_key == "patrol"))}


def _instances() -> list[ProcessInstance]:
    db.session.expire_all()
    return list(db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "patrol")
                                   .order_by(ProcessInstance.id)))


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def test_each_timer_start_event_is_a_job_that_starts_instances_on_its_schedule(app, api_as):
    _deploy(api_as, _patrol(("Hourly", "timeCycle", "R3/PT1H", "grid_yg_1"),
                            ("Weekdays", "timeCycle", "0 0 9 ? * MON-FRI")))
    jobs = _jobs()
    assert sorted(jobs) == ["Hourly", "Weekdays"]
    assert jobs["Hourly"].due_at == _naive_utc(DEPLOYED + timedelta(hours=1))
    assert jobs["Weekdays"].due_at == _naive_utc(DEPLOYED.replace(hour=9, minute=0))
    worker(app, DEPLOYED + timedelta(minutes=20))
    assert _instances() == []
    # 09:00 cron, then 09:30 the first of three hourly firings.
    worker(app, DEPLOYED + timedelta(hours=1, minutes=1))
    started = _instances()
    assert len(started) == 2
    assert [events(i.id, "instance_started")[0].data["start_event"] for i in started] == ["Weekdays", "Hourly"]
    by_event = {events(i.id, "instance_started")[0].data["start_event"]: i for i in started}
    # The event's org_unit property, else the root of the org tree.
    assert db.session.get(OrgUnit, by_event["Hourly"].org_unit_id).code == "grid_yg_1"
    assert db.session.get(OrgUnit, by_event["Weekdays"].org_unit_id).parent_id is None
    # Started by one timer, the instance does not wait for the other start events.
    assert open_element_ids(started[0].id) == ["Patrol"] and instance(started[0].id).next_timer_at is None
    jobs = _jobs()
    assert json.loads(jobs["Hourly"].schedule)["cycles"] == 2
    assert jobs["Hourly"].due_at == _naive_utc(DEPLOYED + timedelta(hours=2))
    assert jobs["Weekdays"].due_at == _naive_utc(DEPLOYED.replace(day=2, hour=9, minute=0))
    for hours in (2, 3):
        worker(app, DEPLOYED + timedelta(hours=hours, minutes=1))
    assert len(_instances()) == 4
    assert "Hourly" not in _jobs(), "R3: three firings, then the job is done"
    # A stopped worker fires a cron once for the missed days, not once per day.
    worker(app, DEPLOYED + timedelta(days=3, hours=5))
    assert len(_instances()) == 5
    assert _jobs()["Weekdays"].due_at == _naive_utc(DEPLOYED.replace(day=5, hour=9, minute=0))
    for started_instance in _instances():
        complete_element(started_instance.id, "Patrol")
        assert instance(started_instance.id).status == "completed"


def test_an_endless_cycle_keeps_one_pending_firing(app, api_as):
    _deploy(api_as, _patrol(("Hourly", "timeCycle", "R/PT1H")))
    worker(app, DEPLOYED + timedelta(hours=5, minutes=1))
    assert len(_instances()) == 1
    assert _jobs()["Hourly"].due_at == _naive_utc(DEPLOYED + timedelta(hours=6, minutes=1))


def test_a_new_version_replaces_the_old_version_s_timer_jobs(app, api_as):
    _deploy(api_as, _patrol(("Hourly", "timeCycle", "R/PT1H")))
    second = _deploy(api_as, _patrol(("Once", "timeDate", "2027-03-02T10:00:00")))
    assert second["versions"]["patrol"] == 2
    jobs = _jobs()
    assert sorted(jobs) == ["Once"] and jobs["Once"].definition.version == 2
    worker(app, DEPLOYED + timedelta(hours=3))
    assert _instances() == []
    worker(app, datetime(2027, 3, 2, 10, 0, 30, tzinfo=SHANGHAI))
    (only,) = _instances()
    assert only.version == 2 and _jobs() == {}
    # The same content again is no new version and schedules nothing again.
    _deploy(api_as, _patrol(("Once", "timeDate", "2027-03-02T10:00:00")))
    assert _jobs() == {}


def test_a_suspended_definition_does_not_fire(app, api_as):
    _deploy(api_as, _patrol(("Hourly", "timeCycle", "R/PT1H")))
    designer = api_as("designer")
    answer = designer.client.put("/engine-rest/process-definition/key/patrol/suspended",
                                 headers=designer.headers, json={"suspended": True})
    assert answer.status_code == 204, answer.get_data(as_text=True)
    worker(app, DEPLOYED + timedelta(hours=2))
    assert _instances() == []
    assert designer.client.get("/engine-rest/process-definition/key/patrol",
                               headers=designer.headers).json["suspended"] is True
    designer.client.put("/engine-rest/process-definition/key/patrol/suspended",
                        headers=designer.headers, json={"suspended": False})
    worker(app, DEPLOYED + timedelta(hours=2))
    assert len(_instances()) == 1


def test_a_person_starts_by_the_plain_start_event_without_timer_paths(app, api_as):
    _deploy(api_as, _patrol(("Hourly", "timeCycle", "R/PT1H"), none_start=True))
    with clock.frozen_at(DEPLOYED):
        instance_id = start("patrol")
    assert open_element_ids(instance_id) == ["Patrol"] and instance(instance_id).next_timer_at is None
    complete_element(instance_id, "Patrol")
    assert instance(instance_id).status == "completed"


def test_an_unknown_org_unit_is_refused_with_the_element_and_line(api_as):
    answer = deploy_rest(api_as("designer"), {"patrol.bpmn": _patrol(("Hourly", "timeCycle", "R/PT1H", "nowhere"))})
    assert answer.status_code == 422
    assert "unknown-org-unit" in str(answer.json["errors"]["Hourly"]) and "patrol.bpmn:" in str(answer.json)
