"""Odd but valid diagrams, as people draw them in Camunda Modeler: deploying one over
REST, starting it and driving it to its end never answers 500. Each either runs, or is
refused with a 4xx naming the element and its line, or fails a step as an incident."""
from __future__ import annotations

import re

import pytest

from .drive import ORG_UNIT, drive, incidents, instance
from .modeler import chain, diagram
from .test_versions import deploy_rest

_USER = 'camunda:candidateGroups="grid_worker"'


#: name → process body. The ids SpiffWorkflow uses for its own task specs come first.
HOSTILE = {
    "start-and-end-ids": chain(f'<bpmn:userTask id="Review" {_USER} />', start="Start", end="End"),
    "root-id": chain(f'<bpmn:userTask id="Root" {_USER} />'),
    "end-join-suffix": chain(f'<bpmn:userTask id="odd.EndJoin" {_USER} />'),
    "boundary-split-suffix": chain(f'<bpmn:userTask id="Review.BoundaryEventSplit" {_USER} />'),
    "element-named-like-the-process": chain(f'<bpmn:userTask id="odd" {_USER} />'),
    "unicode-ids": chain(f'<bpmn:userTask id="审核_1" name="审核 &amp; 盖章 ✅" {_USER} />'),
    "dots-and-hyphens": chain(f'<bpmn:userTask id="a.b-c_d" {_USER} />'),
    "long-id": chain(f'<bpmn:userTask id="T{"x" * 250}" {_USER} />'),
    "long-name": chain(f'<bpmn:userTask id="Review" name="{"审" * 250}" {_USER} />'),
    "long-message-name": (
        '<bpmn:startEvent id="StartEvent_1" /><bpmn:intermediateCatchEvent id="Wait">'
        '<bpmn:messageEventDefinition id="M2" messageRef="Message_2" /></bpmn:intermediateCatchEvent>'
        '<bpmn:endEvent id="EndEvent_1" />'
        '<bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Wait" />'
        '<bpmn:sequenceFlow id="F2" sourceRef="Wait" targetRef="EndEvent_1" />'),
    "async-on-both-sides": chain(
        '<bpmn:serviceTask id="Notify" camunda:asyncBefore="true" camunda:asyncAfter="true" '
        'camunda:delegateExpression="${notify}" />'),
    "only-a-start-event": '<bpmn:startEvent id="StartEvent_1" />',
    "none-throw-and-link": (
        '<bpmn:startEvent id="StartEvent_1" /><bpmn:intermediateThrowEvent id="Milestone" />'
        '<bpmn:intermediateThrowEvent id="Jump"><bpmn:linkEventDefinition id="L1" name="go" />'
        '</bpmn:intermediateThrowEvent><bpmn:intermediateCatchEvent id="Land">'
        '<bpmn:linkEventDefinition id="L2" name="go" /></bpmn:intermediateCatchEvent>'
        '<bpmn:endEvent id="EndEvent_1" />'
        '<bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Milestone" />'
        '<bpmn:sequenceFlow id="F2" sourceRef="Milestone" targetRef="Jump" />'
        '<bpmn:sequenceFlow id="F3" sourceRef="Land" targetRef="EndEvent_1" />'),
    "annotations-data-and-lanes": (
        '<bpmn:laneSet id="LaneSet_1"><bpmn:lane id="Lane_1" name="Office">'
        '<bpmn:flowNodeRef>StartEvent_1</bpmn:flowNodeRef><bpmn:flowNodeRef>Review</bpmn:flowNodeRef>'
        '</bpmn:lane></bpmn:laneSet>'
        + chain(f'<bpmn:userTask id="Review" {_USER} />')
        + '<bpmn:textAnnotation id="Note_1"><bpmn:text>why</bpmn:text></bpmn:textAnnotation>'
          '<bpmn:association id="Assoc_1" sourceRef="Review" targetRef="Note_1" />'
          '<bpmn:dataObjectReference id="DataRef_1" dataObjectRef="Data_1" /><bpmn:dataObject id="Data_1" />'),
    "empty-condition-out-of-a-task": (
        f'<bpmn:startEvent id="StartEvent_1" /><bpmn:userTask id="Review" {_USER} />'
        '<bpmn:endEvent id="EndEvent_1" />'
        '<bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Review" />'
        '<bpmn:sequenceFlow id="F2" sourceRef="Review" targetRef="EndEvent_1">'
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"></bpmn:conditionExpression>'
        '</bpmn:sequenceFlow>'),
    "gateways-with-one-path": chain('<bpmn:exclusiveGateway id="G1" />', '<bpmn:parallelGateway id="G2" />',
                                    '<bpmn:inclusiveGateway id="G3" />'),
    "message-start-only": (
        '<bpmn:startEvent id="StartEvent_1"><bpmn:messageEventDefinition id="M1" messageRef="Message_1" />'
        '</bpmn:startEvent><bpmn:endEvent id="EndEvent_1" />'
        '<bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="EndEvent_1" />'),
    "standard-loop": chain(f'<bpmn:userTask id="Review" {_USER}><bpmn:standardLoopCharacteristics />'
                           '</bpmn:userTask>'),
    "empty-subprocess": chain('<bpmn:subProcess id="Nothing" />'),
    "transaction-and-ad-hoc": chain(
        '<bpmn:transaction id="Tx"><bpmn:startEvent id="S2" /><bpmn:endEvent id="E2" />'
        '<bpmn:sequenceFlow id="T1" sourceRef="S2" targetRef="E2" /></bpmn:transaction>',
        f'<bpmn:adHocSubProcess id="AdHoc"><bpmn:userTask id="Loose" {_USER} /></bpmn:adHocSubProcess>'),
    "complex-gateway": chain('<bpmn:complexGateway id="Complex" />'),
    "escalation-and-signal-ends": (
        '<bpmn:startEvent id="StartEvent_1" /><bpmn:endEvent id="EndEvent_1">'
        '<bpmn:escalationEventDefinition id="Esc_1" /></bpmn:endEvent>'
        '<bpmn:endEvent id="EndEvent_2"><bpmn:signalEventDefinition id="Sig_1" /></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="EndEvent_1" />'
        '<bpmn:sequenceFlow id="F2" sourceRef="StartEvent_1" targetRef="EndEvent_2" />'),
    "sub-process-named-start": chain(
        '<bpmn:subProcess id="Inner"><bpmn:startEvent id="Start" /><bpmn:endEvent id="End" />'
        '<bpmn:sequenceFlow id="S1" sourceRef="Start" targetRef="End" /></bpmn:subProcess>'),
}
_EXTRA = '<bpmn:message id="Message_1" name="go" />\n'
_LONG_MESSAGE = f'<bpmn:message id="Message_2" name="{"m" * 130}" />\n'


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_an_odd_diagram_never_answers_500(app, api_as, case):
    designer = api_as("designer")
    extra = _EXTRA + (_LONG_MESSAGE if case == "long-message-name" else "")
    answer = deploy_rest(designer, {"odd.bpmn": diagram("odd", HOSTILE[case], extra=extra)})
    assert answer.status_code < 500, answer.json
    if answer.status_code != 201:
        # A refusal names the element and the line it stands on: {element: ["odd.bpmn:5: …"]}.
        assert answer.status_code == 422 and answer.json["errors"], answer.json
        for _element, messages in answer.json["errors"].items():
            assert all(re.match(r"odd\.bpmn:\d+: ", m) for m in messages), answer.json
        return
    started = api_as("admin").post("/process-instances", json={"process_key": "odd", "org_unit": ORG_UNIT})
    assert started.status_code < 500, started.json
    if started.status_code != 201:
        return
    walk = drive(app, started.json["id"])
    assert walk.status in ("completed", "active", "error"), walk
    if walk.status == "error":
        assert incidents(walk.instance_id), walk
    assert instance(walk.instance_id).status == walk.status


def test_ids_spiffworkflow_uses_itself_are_refused_with_element_andchain(api_as):
    answer = deploy_rest(api_as("designer"), {"odd.bpmn": diagram("odd", HOSTILE["start-and-end-ids"])})
    assert answer.status_code == 422, answer.json
    errors = answer.json["errors"]
    assert {"Start", "End"} <= set(errors) and all("reserved-id" in m[0] for m in errors.values()), errors
