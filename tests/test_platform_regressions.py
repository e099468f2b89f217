"""Platform gaps found while building case handling, each as the smallest test;
all are fixed now and these keep them fixed."""
import pytest
from sqlalchemy import func, select

from govflow.database import commit, writing
from govflow.definitions.service import deploy
from govflow.errors import ValidationFailed
from govflow.extensions import db
from govflow.instances.models import MessageSubscription, ProcessInstance
from govflow.instances.service import start_instance
from govflow.records.models import LedgerEntry
from govflow.records.service import add_ledger_entry
from govflow.tasks import handler
from govflow.worklist.models import HumanTask

_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
         'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
         'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs_gap" targetNamespace="http://govflow.test">')


def _deploy(files: dict[str, str]) -> None:
    with writing():
        deploy({name: text.encode() for name, text in files.items()})
        commit()


def _start(key: str, **variables) -> ProcessInstance:
    with writing():
        instance = start_instance(key, "grid_yg_1", variables)
        commit()
    return instance


def test_event_based_gateway_waits_for_its_message_and_timer(org):
    _deploy({"gap_event_gateway.bpmn": _HEAD + """
      <bpmn:message id="Msg_rated" name="gap_rated"/>
      <bpmn:process id="gap_event_gateway" isExecutable="true">
        <bpmn:startEvent id="start"/>
        <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>
        <bpmn:eventBasedGateway id="gw"/>
        <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="rated"/>
        <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="timeout"/>
        <bpmn:intermediateCatchEvent id="rated"><bpmn:messageEventDefinition messageRef="Msg_rated"/>
        </bpmn:intermediateCatchEvent>
        <bpmn:intermediateCatchEvent id="timeout">
          <bpmn:timerEventDefinition><bpmn:timeDuration>P3D</bpmn:timeDuration></bpmn:timerEventDefinition>
        </bpmn:intermediateCatchEvent>
        <bpmn:sequenceFlow id="f4" sourceRef="rated" targetRef="end"/>
        <bpmn:sequenceFlow id="f5" sourceRef="timeout" targetRef="end"/>
        <bpmn:endEvent id="end"/>
      </bpmn:process></bpmn:definitions>"""})
    instance = _start("gap_event_gateway")
    subscribed = db.session.scalars(select(MessageSubscription.message_name).where(
        MessageSubscription.instance_id == instance.id)).all()
    assert instance.next_timer_at is not None and subscribed == ["gap_rated"]


def test_dmn_input_entry_with_a_list_of_values_matches_each(org):
    _deploy({"gap_list.dmn": """<?xml version="1.0" encoding="UTF-8"?>
      <definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="Defs_gap_list" name="gap"
          namespace="http://govflow.test">
        <decision id="gap_list" name="gap"><decisionTable id="t" hitPolicy="FIRST">
          <input id="i"><inputExpression id="ie" typeRef="string"><text>category</text></inputExpression></input>
          <output id="o" name="deadline" typeRef="string"/>
          <rule id="r1"><inputEntry id="e1"><text>"road","greening"</text></inputEntry>
            <outputEntry id="o1"><text>"P5D"</text></outputEntry></rule>
          <rule id="r2"><inputEntry id="e2"><text>-</text></inputEntry>
            <outputEntry id="o2"><text>"P10D"</text></outputEntry></rule>
        </decisionTable></decision></definitions>""",
             "gap_list.bpmn": _HEAD + """
      <bpmn:process id="gap_list_process" isExecutable="true">
        <bpmn:startEvent id="start"/>
        <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="decide"/>
        <bpmn:businessRuleTask id="decide" camunda:decisionRef="gap_list"/>
        <bpmn:sequenceFlow id="f2" sourceRef="decide" targetRef="end"/>
        <bpmn:endEvent id="end"/>
      </bpmn:process></bpmn:definitions>"""})
    assert _start("gap_list_process", category="greening").variables["deadline"] == "P5D"


_NUMBERED = _HEAD + """
  <bpmn:process id="gap_numbered" isExecutable="true">
    <bpmn:startEvent id="start" camunda:formKey="case.report"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="number"/>
    <bpmn:serviceTask id="number" camunda:delegateExpression="${assign_case_number}"/>
    <bpmn:sequenceFlow id="f2" sourceRef="number" targetRef="verify"/>
    <bpmn:userTask id="verify" camunda:candidateGroups="grid_worker"/>
    <bpmn:sequenceFlow id="f3" sourceRef="verify" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process></bpmn:definitions>"""


def test_tasks_of_the_first_step_carry_the_business_key_the_step_set(org):
    _deploy({"gap_numbered.bpmn": _NUMBERED})
    instance = _start("gap_numbered", title="t", category="road", description="d", location="l")
    task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance.id))
    assert instance.business_key is not None and task.business_key == instance.business_key


def test_start_refuses_variables_its_start_form_rejects(org):
    _deploy({"gap_numbered.bpmn": _NUMBERED})
    with pytest.raises(ValidationFailed) as raised:
        _start("gap_numbered", title="t", category="not-a-category", description="d", location="l",
               reporter_phone="12345")
    assert {"category", "reporter_phone"} <= set(raised.value.errors)


@handler("gap_write_ledger")
def _gap_write_ledger(ctx):
    add_ledger_entry(ctx.instance_id, ctx.process_key, "gap_written", None)
    return {}


@handler("gap_count_ledger")
def _gap_count_ledger(ctx):
    return {"seen": db.session.scalar(select(func.count(LedgerEntry.id)).where(
        LedgerEntry.instance_id == ctx.instance_id))}


def test_a_handler_sees_what_an_earlier_handler_of_the_step_wrote(org):
    _deploy({"gap_flush.bpmn": _HEAD + """
      <bpmn:process id="gap_flush" isExecutable="true">
        <bpmn:startEvent id="start"/>
        <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="write"/>
        <bpmn:serviceTask id="write" camunda:delegateExpression="${gap_write_ledger}"/>
        <bpmn:sequenceFlow id="f2" sourceRef="write" targetRef="count"/>
        <bpmn:serviceTask id="count" camunda:delegateExpression="${gap_count_ledger}"/>
        <bpmn:sequenceFlow id="f3" sourceRef="count" targetRef="end"/>
        <bpmn:endEvent id="end"/>
      </bpmn:process></bpmn:definitions>"""})
    assert _start("gap_flush").variables["seen"] == 1
