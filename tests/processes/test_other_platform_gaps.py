"""Platform gaps found while building owners' committee formation, weak-branch rectification and
dual reporting, each as the smallest failing test.

All of them are closed now (engine/specs.py, engine/runtime.py, the lint, the forms); the tests
stay as regression tests. A new gap is added here as ``xfail(strict=True)`` naming its
workaround, so that the suite stays green while it is open and turns red (XPASS) when fixed.
"""
from datetime import UTC, datetime, timedelta, timezone

import pytest

from govflow.database import commit, writing
from govflow.definitions.service import deploy
from govflow.engine import clock
from govflow.errors import NotFound, ValidationFailed
from govflow.extensions import db
from govflow.forms.validation import describe
from govflow.identity.access import principal_for
from govflow.identity.service import get_user
from govflow.instances.models import ProcessInstance
from govflow.instances.service import deliver_message, fire_timers, start_instance
from govflow.worklist.inbox import list_tasks
from govflow.worklist.service import complete_task
from tests.uploads import register_uploads

_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
         'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
         'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs_gap" targetNamespace="http://govflow.test">')
T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


def _deploy(files: dict[str, str]) -> None:
    with writing():
        deploy({name: text.encode() for name, text in files.items()})
        commit()


def _start(key: str, at=T0, **variables) -> int:
    with clock.frozen_at(at), writing():
        instance = start_instance(key, "grid_yg_1", variables)
        commit()
    return instance.id


def _tasks(instance_id: int) -> list[str]:
    rows, _ = list_tasks(principal_for(get_user("grid1")), instance_id=instance_id)
    return sorted(r.element_id for r in rows)


def _complete(instance_id: int, element: str, at=T0, **values) -> None:
    rows, _ = list_tasks(principal_for(get_user("grid1")), instance_id=instance_id)
    row = next(r for r in rows if r.element_id == element)
    with clock.frozen_at(at), writing():
        complete_task(row.id, principal_for(get_user("grid1")), register_uploads("grid1", row, values),
                      values.get("comment"))
        commit()


def _deliver(name: str, instance_id: int, at=T0, **variables) -> list[int]:
    with clock.frozen_at(at), writing():
        targets = deliver_message(name, instance_id=instance_id, variables=variables)
        commit()
    return targets


def _variables(instance_id: int) -> dict:
    db.session.expire_all()
    return db.session.get(ProcessInstance, instance_id).variables


def _user_task(task_id: str) -> str:
    return f'<bpmn:userTask id="{task_id}" camunda:candidateGroups="grid_worker"/>'


def test_parallel_join_keeps_what_each_branch_set_this_round(org):
    _deploy({"gap_join.bpmn": _HEAD + f"""
      <bpmn:process id="gap_join" isExecutable="true">
        <bpmn:startEvent id="start"/>
        <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="merge"/>
        <bpmn:exclusiveGateway id="merge"/>
        <bpmn:sequenceFlow id="f2" sourceRef="merge" targetRef="fork"/>
        <bpmn:parallelGateway id="fork"/>
        <bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="a"/>
        <bpmn:sequenceFlow id="f4" sourceRef="fork" targetRef="b"/>
        {_user_task("a")}{_user_task("b")}
        <bpmn:sequenceFlow id="f5" sourceRef="a" targetRef="join"/>
        <bpmn:sequenceFlow id="f6" sourceRef="b" targetRef="join"/>
        <bpmn:parallelGateway id="join"/>
        <bpmn:sequenceFlow id="f7" sourceRef="join" targetRef="again"/>
        <bpmn:exclusiveGateway id="again" default="f9"/>
        <bpmn:sequenceFlow id="f8" sourceRef="again" targetRef="merge">
          <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${{repeat}}</bpmn:conditionExpression>
        </bpmn:sequenceFlow>
        <bpmn:sequenceFlow id="f9" sourceRef="again" targetRef="end"/>
        <bpmn:endEvent id="end"/>
      </bpmn:process></bpmn:definitions>"""})
    iid = _start("gap_join")
    _complete(iid, "a", verdict_a="yes")
    _complete(iid, "b", verdict_b="yes", repeat=True)
    _complete(iid, "a", verdict_a="no")           # round two: a changes its verdict
    _complete(iid, "b", verdict_b="yes", repeat=False)
    assert _variables(iid)["verdict_a"] == "no"


def test_non_interrupting_message_boundary_catches_every_message(org):
    _deploy({"gap_boundary_message.bpmn": _HEAD + f"""
      <bpmn:message id="Msg_note" name="gap_note"/>
      <bpmn:process id="gap_boundary_message" isExecutable="true">
        <bpmn:startEvent id="start"/>
        <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
        {_user_task("work")}
        <bpmn:boundaryEvent id="note" attachedToRef="work" cancelActivity="false">
          <bpmn:messageEventDefinition messageRef="Msg_note"/>
        </bpmn:boundaryEvent>
        <bpmn:sequenceFlow id="f2" sourceRef="note" targetRef="noted"/>
        {_user_task("noted")}
        <bpmn:sequenceFlow id="f3" sourceRef="noted" targetRef="end_note"/>
        <bpmn:endEvent id="end_note"/>
        <bpmn:sequenceFlow id="f4" sourceRef="work" targetRef="end"/>
        <bpmn:endEvent id="end"/>
      </bpmn:process></bpmn:definitions>"""})
    iid = _start("gap_boundary_message")
    assert _deliver("gap_note", iid, note="one") == [iid]
    assert _deliver("gap_note", iid, note="two") == [iid]
    assert _tasks(iid) == ["noted", "noted", "work"]
    _complete(iid, "work")
    with pytest.raises(NotFound):                      # disarmed once the activity is done
        _deliver("gap_note", iid, note="three")
    assert _tasks(iid) == ["noted", "noted"]


def test_dmn_with_two_decisions_is_refused_with_a_clear_message(org):
    table = ('<decision id="{0}" name="{0}"><decisionTable id="t_{0}" hitPolicy="FIRST">'
             '<input id="i_{0}"><inputExpression id="e_{0}" typeRef="number"><text>x</text></inputExpression></input>'
             '<output id="o_{0}" name="{0}_out" typeRef="string"/><rule id="r_{0}"><inputEntry id="ie_{0}">'
             '<text>-</text></inputEntry><outputEntry id="oe_{0}"><text>"ok"</text></outputEntry></rule>'
             '</decisionTable></decision>')
    dmn = ('<?xml version="1.0" encoding="UTF-8"?><definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" '
           f'id="D" name="d" namespace="http://govflow.test">{table.format("first")}{table.format("second")}'
           '</definitions>')
    bpmn = _HEAD + """<bpmn:process id="gap_two_decisions" isExecutable="true"><bpmn:startEvent id="s"/>
        <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="rule"/>
        <bpmn:businessRuleTask id="rule" camunda:decisionRef="second"/>
        <bpmn:sequenceFlow id="f2" sourceRef="rule" targetRef="e"/><bpmn:endEvent id="e"/>
      </bpmn:process></bpmn:definitions>"""
    with pytest.raises(ValidationFailed) as caught:
        _deploy({"gap_two.dmn": dmn, "gap_two.bpmn": bpmn})
    assert "gap_two.dmn" in str(caught.value.errors) and "decision" in str(caught.value.errors)


def test_instance_variables_show_data_set_inside_a_waiting_subprocess(org):
    _deploy({"gap_sub_vars.bpmn": _HEAD + f"""
      <bpmn:process id="gap_sub_vars" isExecutable="true">
        <bpmn:startEvent id="start"/>
        <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sub"/>
        <bpmn:subProcess id="sub">
          <bpmn:startEvent id="s_start"/>
          <bpmn:sequenceFlow id="s1" sourceRef="s_start" targetRef="fill"/>
          {_user_task("fill")}
          <bpmn:sequenceFlow id="s2" sourceRef="fill" targetRef="wait"/>
          <bpmn:intermediateCatchEvent id="wait">
            <bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition>
          </bpmn:intermediateCatchEvent>
          <bpmn:sequenceFlow id="s3" sourceRef="wait" targetRef="s_end"/>
          <bpmn:endEvent id="s_end"/>
        </bpmn:subProcess>
        <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="end"/>
        <bpmn:endEvent id="end"/>
      </bpmn:process></bpmn:definitions>"""})
    iid = _start("gap_sub_vars")
    _complete(iid, "fill", meeting_date="2026-12-01")
    assert _variables(iid).get("meeting_date") == "2026-12-01"


_LATE_TIMER = _HEAD + f"""
      <bpmn:message id="Msg_reply" name="gap_reply"/>
      <bpmn:process id="gap_late" isExecutable="true">
        <bpmn:startEvent id="start"/>
        <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="window"/>
        <bpmn:subProcess id="window">
          <bpmn:startEvent id="w_start"/>
          <bpmn:sequenceFlow id="w1" sourceRef="w_start" targetRef="reply"/>
          <bpmn:intermediateCatchEvent id="reply"><bpmn:messageEventDefinition messageRef="Msg_reply"/>
          </bpmn:intermediateCatchEvent>
          <bpmn:sequenceFlow id="w2" sourceRef="reply" targetRef="w_end"/>
          <bpmn:endEvent id="w_end"/>
        </bpmn:subProcess>
        <bpmn:boundaryEvent id="expired" attachedToRef="window">
          <bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
        </bpmn:boundaryEvent>
        <bpmn:boundaryEvent id="remind" attachedToRef="window" cancelActivity="false">
          <bpmn:timerEventDefinition><bpmn:timeCycle>R2/PT20M</bpmn:timeCycle></bpmn:timerEventDefinition>
        </bpmn:boundaryEvent>
        <bpmn:sequenceFlow id="f_remind" sourceRef="remind" targetRef="reminder"/>
        <bpmn:serviceTask id="reminder" camunda:delegateExpression="${{count_reminder}}"/>
        <bpmn:sequenceFlow id="f_reminded" sourceRef="reminder" targetRef="reminded"/>
        {_user_task("reminded")}
        <bpmn:sequenceFlow id="f_reminded_end" sourceRef="reminded" targetRef="end_reminded"/>
        <bpmn:endEvent id="end_reminded"/>
        <bpmn:sequenceFlow id="f2" sourceRef="window" targetRef="on_time"/>
        {_user_task("on_time")}
        <bpmn:sequenceFlow id="f3" sourceRef="on_time" targetRef="end"/>
        <bpmn:sequenceFlow id="f4" sourceRef="expired" targetRef="late"/>
        {_user_task("late")}
        <bpmn:sequenceFlow id="f5" sourceRef="late" targetRef="end"/>
        <bpmn:endEvent id="end"/>
      </bpmn:process></bpmn:definitions>"""


def test_message_after_an_overdue_interrupting_timer_is_refused(org):
    _deploy({"gap_late.bpmn": _LATE_TIMER})
    iid = _start("gap_late")
    with pytest.raises(NotFound):
        _deliver("gap_reply", iid, at=T0 + timedelta(hours=2))


def test_timer_fired_during_a_message_step_runs_its_path(org):
    _deploy({"gap_late.bpmn": _LATE_TIMER})
    iid = _start("gap_late")
    _deliver("gap_reply", iid, at=T0 + timedelta(minutes=30))   # the 20-minute reminder fell due meanwhile
    assert _tasks(iid) == ["on_time", "reminded"]


def test_a_reminder_a_cycle_timer_started_outlives_the_activity(org):
    """The worker fires the 20-minute reminder; the reply then ends the window: the
    reminder's task stays (BPMN: a non-interrupting event's path runs on its own)."""
    _deploy({"gap_late.bpmn": _LATE_TIMER})
    iid = _start("gap_late")
    with clock.frozen_at(T0 + timedelta(minutes=21)), writing():
        fire_timers(iid)
        commit()
    assert _tasks(iid) == ["reminded"]
    _deliver("gap_reply", iid, at=T0 + timedelta(minutes=30))
    assert _tasks(iid) == ["on_time", "reminded"]


def test_receive_task_waits_for_its_message(org):
    _deploy({"gap_receive.bpmn": _HEAD + f"""
      <bpmn:message id="Msg_in" name="gap_in"/>
      <bpmn:process id="gap_receive" isExecutable="true">
        <bpmn:startEvent id="start"/>
        <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
        <bpmn:receiveTask id="wait" messageRef="Msg_in"/>
        <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="next"/>
        {_user_task("next")}
        <bpmn:sequenceFlow id="f3" sourceRef="next" targetRef="end"/>
        <bpmn:endEvent id="end"/>
      </bpmn:process></bpmn:definitions>"""})
    iid = _start("gap_receive")
    _deliver("gap_in", iid, hours=2)
    assert _tasks(iid) == ["next"] and _variables(iid)["hours"] == 2


def test_form_description_lists_the_columns_of_a_table_field():
    plan_items = next(f for f in describe("branch.plan", []) if f["id"] == "plan_items")
    assert [c["id"] for c in plan_items.get("columns", [])] == ["problem", "measure", "owner", "deadline"]
