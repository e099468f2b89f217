"""Cycle timers as Camunda Modeler writes them: Quartz cron and endless R/PT1H on
non-interrupting boundary events (fire while the activity is open, one pending firing
at a time), cycles with a start date, and the places an endless cycle is refused."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from govflow.engine import clock

from .drive import complete_element, instance, open_element_ids, start, worker
from .modeler import diagram
from .test_versions import deploy_rest

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Monday 1 March 2027, 08:30 in Shanghai.
STARTED = datetime(2027, 3, 1, 8, 30, tzinfo=SHANGHAI)


def _reminding(cycle: str, interrupting: bool = False) -> str:
    return f'''
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Repair" />
    <bpmn:userTask id="Repair" camunda:candidateGroups="grid_worker" />
    <bpmn:boundaryEvent id="Remind" cancelActivity="{str(interrupting).lower()}" attachedToRef="Repair">
      <bpmn:timerEventDefinition id="T1"><bpmn:timeCycle xsi:type="bpmn:tFormalExpression">{cycle}</bpmn:timeCycle>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="F2" sourceRef="Remind" targetRef="Chase" />
    <bpmn:userTask id="Chase" camunda:candidateGroups="grid_worker" />
    <bpmn:sequenceFlow id="F3" sourceRef="Repair" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1" />'''


def _deploy_and_start(api_as, key: str, cycle: str) -> int:
    answer = deploy_rest(api_as("designer"), {f"{key}.bpmn": diagram(key, _reminding(cycle))})
    assert answer.status_code == 201, answer.json
    with clock.frozen_at(STARTED):
        return start(key)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=SHANGHAI)


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def test_a_quartz_cron_fires_on_working_days_while_the_task_is_open(app, api_as):
    instance_id = _deploy_and_start(api_as, "cron_reminder", "0 0 9 ? * MON-FRI")
    assert instance(instance_id).next_timer_at == _naive_utc(_at(1, 9))
    worker(app, _at(1, 9, 1))
    assert open_element_ids(instance_id) == ["Chase", "Repair"]
    assert instance(instance_id).next_timer_at == _naive_utc(_at(2, 9))
    # The worker was stopped from Tuesday to Saturday: one pending firing, not four,
    # and the next one is Monday's.
    worker(app, _at(6, 12))
    assert open_element_ids(instance_id) == ["Chase", "Chase", "Repair"]
    assert instance(instance_id).next_timer_at == _naive_utc(_at(8, 9))
    complete_element(instance_id, "Repair")
    for _ in range(2):
        complete_element(instance_id, "Chase")
    assert instance(instance_id).status == "completed" and instance(instance_id).next_timer_at is None


def test_an_endless_cycle_on_a_non_interrupting_boundary_event(app, api_as):
    instance_id = _deploy_and_start(api_as, "hourly_reminder", "R/PT1H")
    assert instance(instance_id).next_timer_at == _naive_utc(STARTED + timedelta(hours=1))
    worker(app, STARTED + timedelta(hours=5, minutes=1))
    assert open_element_ids(instance_id) == ["Chase", "Repair"]
    assert instance(instance_id).next_timer_at == _naive_utc(STARTED + timedelta(hours=6, minutes=1))
    complete_element(instance_id, "Repair")
    complete_element(instance_id, "Chase")
    assert instance(instance_id).status == "completed"


def test_a_cycle_is_evaluated_again_when_due_and_follows_a_changed_variable(app, api_as):
    """As Camunda with reevaluateTimerCycleWhenDue: an administrator changes the cycle's
    variable; the firing due then happens, and the next ones follow the new cycle."""
    from govflow.admin.changes import edit_variable
    from govflow.database import commit, writing
    from govflow.identity.service import get_user
    answer = deploy_rest(api_as("designer"), {"cycle_by_variable.bpmn": diagram("cycle_by_variable",
                                                                                _reminding("${remind}"))})
    assert answer.status_code == 201, answer.json
    with clock.frozen_at(STARTED):
        instance_id = start("cycle_by_variable", {"remind": "R/PT1H"})
    assert instance(instance_id).next_timer_at == _naive_utc(STARTED + timedelta(hours=1))
    with writing(), clock.frozen_at(STARTED + timedelta(minutes=30)):
        edit_variable(instance_id, "remind", "R/PT4H", get_user("admin").id, "夜间少提醒")
        commit()
    worker(app, STARTED + timedelta(hours=1, minutes=1))
    assert open_element_ids(instance_id) == ["Chase", "Repair"]
    # Evaluated again when it fired: four hours from then, not one.
    assert instance(instance_id).next_timer_at == _naive_utc(STARTED + timedelta(hours=5, minutes=1))
    worker(app, STARTED + timedelta(hours=3))
    assert open_element_ids(instance_id) == ["Chase", "Repair"]


def test_a_cycle_with_a_start_date_fires_from_that_date(app, api_as):
    instance_id = _deploy_and_start(api_as, "dated_reminder", "R3/2027-03-02T09:00/P1D")
    assert instance(instance_id).next_timer_at == _naive_utc(_at(2, 9))
    for day in (2, 3, 4):
        worker(app, _at(day, 9, 1))
    assert open_element_ids(instance_id) == ["Chase", "Chase", "Chase", "Repair"]
    assert instance(instance_id).next_timer_at is None


@pytest.mark.parametrize("cycle, interrupting", [("R/PT1H", True), ("0 0 9 * * ?", True), ("0/5 * * * * ?", False),
                                                 ("R/PT10S", False)])
def test_endless_or_too_frequent_cycles_elsewhere_are_refused(api_as, cycle, interrupting):
    answer = deploy_rest(api_as("designer"), {"bad.bpmn": diagram("bad", _reminding(cycle, interrupting))})
    assert answer.status_code == 422, answer.json
    assert any(m.startswith("bad.bpmn:") and ("unbounded" in m or "too-frequent" in m)
               for m in answer.json["errors"]["Remind"]), answer.json


_EVENT_SUBPROCESS = '''
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Repair" />
    <bpmn:userTask id="Repair" camunda:candidateGroups="grid_worker" />
    <bpmn:sequenceFlow id="F2" sourceRef="Repair" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:subProcess id="Reminders" triggeredByEvent="true">
      <bpmn:startEvent id="Tick" isInterrupting="false">
        <bpmn:timerEventDefinition id="T1"><bpmn:timeCycle xsi:type="bpmn:tFormalExpression">R2/PT1H</bpmn:timeCycle>
        </bpmn:timerEventDefinition>
      </bpmn:startEvent>
      <bpmn:sequenceFlow id="S1" sourceRef="Tick" targetRef="Chase" />
      <bpmn:userTask id="Chase" camunda:candidateGroups="grid_worker" />
      <bpmn:sequenceFlow id="S2" sourceRef="Chase" targetRef="EndEvent_2" />
      <bpmn:endEvent id="EndEvent_2" />
    </bpmn:subProcess>'''


def test_a_cycle_starts_a_non_interrupting_event_subprocess_while_the_process_runs(app, api_as):
    answer = deploy_rest(api_as("designer"), {"chasing.bpmn": diagram("chasing", _EVENT_SUBPROCESS)})
    assert answer.status_code == 201, answer.json
    with clock.frozen_at(STARTED):
        instance_id = start("chasing")
    for hour in (1, 2):
        worker(app, STARTED + timedelta(hours=hour, minutes=1))
    assert open_element_ids(instance_id) == ["Chase", "Chase", "Repair"]
    assert instance(instance_id).next_timer_at is None
    for element in ("Chase", "Chase", "Repair"):
        complete_element(instance_id, element)
    assert instance(instance_id).status == "completed", open_element_ids(instance_id)


def test_an_endless_cycle_on_an_event_subprocess_fires_while_the_process_runs(app, api_as):
    body = _EVENT_SUBPROCESS.replace("R2/PT1H", "R/PT1H")
    answer = deploy_rest(api_as("designer"), {"chasing.bpmn": diagram("chasing_endless", body)})
    assert answer.status_code == 201, answer.json
    with clock.frozen_at(STARTED):
        instance_id = start("chasing_endless")
    assert instance(instance_id).next_timer_at == _naive_utc(STARTED + timedelta(hours=1))
    worker(app, STARTED + timedelta(hours=1, minutes=1))
    assert open_element_ids(instance_id) == ["Chase", "Repair"]
    # A worker stopped for five hours fires once: one pending firing at a time.
    worker(app, STARTED + timedelta(hours=6, minutes=1))
    assert open_element_ids(instance_id) == ["Chase", "Chase", "Repair"]
    assert instance(instance_id).next_timer_at == _naive_utc(STARTED + timedelta(hours=7, minutes=1))
    for element in ("Chase", "Chase"):
        complete_element(instance_id, element)
    complete_element(instance_id, "Repair")
    # The scope ended: no timer is left.
    assert instance(instance_id).status == "completed" and instance(instance_id).next_timer_at is None


def test_an_endless_cycle_on_an_interrupting_event_subprocess_is_refused(api_as):
    body = _EVENT_SUBPROCESS.replace("R2/PT1H", "R/PT1H").replace('isInterrupting="false"', 'isInterrupting="true"')
    answer = deploy_rest(api_as("designer"), {"chasing.bpmn": diagram("chasing", body)})
    assert answer.status_code == 422 and "timer-cycle-unbounded" in str(answer.json["errors"]["Tick"])
