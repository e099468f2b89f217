"""One meaning of time: ``P1M`` is one calendar month, counted in the configured time
zone (Asia/Shanghai), for a timer, a due date, a follow-up date and a DMN output alike."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from govflow.engine import clock, durations

from .drive import complete_element, instance, open_tasks, start, worker
from .modeler import diagram, dmn
from .test_versions import deploy_rest

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: 31 January 09:00 in Shanghai: a month later is 28 February, not 2 or 3 March.
STARTED = datetime(2027, 1, 31, 9, 0, tzinfo=SHANGHAI)
A_MONTH_LATER = datetime(2027, 2, 28, 9, 0, tzinfo=SHANGHAI).astimezone(UTC).replace(tzinfo=None)

_BODY = '''
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Period" />
    <bpmn:businessRuleTask id="Period" camunda:decisionRef="period" camunda:resultVariable="follow_up"
        camunda:mapDecisionResult="singleEntry" />
    <bpmn:sequenceFlow id="F2" sourceRef="Period" targetRef="Review" />
    <bpmn:userTask id="Review" camunda:candidateGroups="grid_worker" camunda:dueDate="P1M"
        camunda:followUpDate="${follow_up}" />
    <bpmn:boundaryEvent id="Late" attachedToRef="Review">
      <bpmn:timerEventDefinition id="T1"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P1M</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="F3" sourceRef="Review" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:sequenceFlow id="F4" sourceRef="Late" targetRef="Escalate" />
    <bpmn:userTask id="Escalate" camunda:candidateGroups="grid_worker" />
    <bpmn:sequenceFlow id="F5" sourceRef="Escalate" targetRef="EndEvent_2" />
    <bpmn:endEvent id="EndEvent_2" />'''


def test_a_month_is_a_calendar_month_for_timers_due_dates_and_decisions(app, api_as):
    files = {"monthly.bpmn": diagram("monthly", _BODY),
             "period.dmn": dmn("period", "follow_up", [("-", '"P1M"')])}
    assert deploy_rest(api_as("designer"), files).status_code == 201
    with clock.frozen_at(STARTED):
        instance_id = start("monthly", {"category": "roads"})
    review = open_tasks(instance_id)[0]
    assert review.due_at == A_MONTH_LATER and review.follow_up_at == A_MONTH_LATER
    assert instance(instance_id).next_timer_at == A_MONTH_LATER
    worker(app, A_MONTH_LATER.replace(tzinfo=UTC) - timedelta(minutes=1))
    assert [t.element_id for t in open_tasks(instance_id)] == ["Review"]
    worker(app, A_MONTH_LATER.replace(tzinfo=UTC) + timedelta(seconds=1))
    assert [t.element_id for t in open_tasks(instance_id)] == ["Escalate"]
    complete_element(instance_id, "Escalate")
    assert instance(instance_id).status == "completed"


def test_durations_count_on_the_calendar_and_wall_clock_of_the_zone():
    utc = UTC
    assert durations.add_duration(STARTED, "P1M") == datetime(2027, 2, 28, 1, 0, tzinfo=utc)
    assert durations.add_duration(datetime(2028, 1, 31, 1, 0, tzinfo=utc), "P1M").day == 29  # leap year
    assert durations.add_duration(STARTED, "P1Y2M3DT4H") == datetime(2028, 4, 3, 5, 0, tzinfo=utc)
    # A bare date-time is wall-clock time in the zone, for timers and due dates alike.
    assert durations.parse_datetime("2027-03-01T09:00:00") == datetime(2027, 3, 1, 1, 0, tzinfo=utc)
