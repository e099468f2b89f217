"""Versions by key: a key deployed again from any file name is its next version, and
call activities take the version their binding says (Camunda 7's rules)."""
from __future__ import annotations

import io

from .drive import drive, instance, start
from .modeler import diagram, dmn


def _task_process(key: str, task_id: str) -> bytes:
    return diagram(key, f'''
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="{task_id}" />
    <bpmn:userTask id="{task_id}" name="{task_id}" camunda:candidateGroups="grid_worker" />
    <bpmn:sequenceFlow id="F2" sourceRef="{task_id}" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1" />''')


def _caller(key: str, called: str, binding: str = "") -> bytes:
    return diagram(key, f'''
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Call" />
    <bpmn:callActivity id="Call" calledElement="{called}" {binding} />
    <bpmn:sequenceFlow id="F2" sourceRef="Call" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1" />''')


def deploy_rest(client, files: dict[str, bytes]):
    """POST /api/v1/deployments with each file as a multipart ``file`` field."""
    return client.post("/deployments", data={"file": [(io.BytesIO(d), n) for n, d in files.items()]},
                       content_type="multipart/form-data")


def test_a_key_deployed_from_another_file_is_its_next_version(api_as):
    designer = api_as("designer")
    first = deploy_rest(designer, {"intake.bpmn": _task_process("intake", "Verify")})
    assert first.status_code == 201 and first.json["versions"] == {"intake": 1}
    second = deploy_rest(designer, {"intake-2026.bpmn": _task_process("intake", "Check")})
    assert second.status_code == 201, second.json
    assert second.json["versions"] == {"intake": 2} and second.json["created"] == ["intake"]
    # The same content under a third name is the same version.
    again = deploy_rest(designer, {"copy.bpmn": _task_process("intake", "Check")})
    assert again.status_code == 201 and again.json["versions"] == {"intake": 2} and again.json["created"] == []
    assert designer.get("/process-definitions").json == [{"key": "intake", "name": "intake", "version": 2}]


def test_call_activities_follow_their_binding(app, api_as):
    designer = api_as("designer")
    assert deploy_rest(designer, {"child-a.bpmn": _task_process("child", "OldStep")}).status_code == 201
    assert deploy_rest(designer, {"child-b.bpmn": _task_process("child", "NewStep")}).status_code == 201
    callers = {
        "latest.bpmn": _caller("calls_latest", "child"),
        "pinned.bpmn": _caller("calls_v1", "child",
                               'camunda:calledElementBinding="version" camunda:calledElementVersion="1"'),
    }
    answer = deploy_rest(designer, callers)
    assert answer.status_code == 201, answer.json
    assert drive(app, start("calls_latest")).path == ["NewStep"]
    pinned = start("calls_v1")
    assert drive(app, pinned).path == ["OldStep"] and instance(pinned).status == "completed"


def test_a_call_bound_to_the_deployment_takes_the_process_deployed_with_it(app, api_as):
    designer = api_as("designer")
    assert deploy_rest(designer, {"child.bpmn": _task_process("child", "OldStep")}).status_code == 201
    files = {"caller.bpmn": _caller("calls_own", "child", 'camunda:calledElementBinding="deployment"'),
             "child-new.bpmn": _task_process("child", "OwnStep")}
    answer = deploy_rest(designer, files)
    assert answer.status_code == 201 and answer.json["versions"] == {"calls_own": 1, "child": 2}
    assert drive(app, start("calls_own")).path == ["OwnStep"]


def test_bindings_that_cannot_be_honoured_are_refused_naming_the_call(api_as):
    designer = api_as("designer")
    assert deploy_rest(designer, {"child.bpmn": _task_process("child", "Step")}).status_code == 201
    missing = deploy_rest(designer, {"caller.bpmn": _caller(
        "caller", "child", 'camunda:calledElementBinding="version" camunda:calledElementVersion="7"')})
    assert missing.status_code == 422
    assert "version 7 of 'child'" in missing.json["errors"]["Call"][0] and "caller.bpmn:" in \
        missing.json["errors"]["Call"][0]
    tagged = deploy_rest(designer, {"caller.bpmn": _caller(
        "caller", "child", 'camunda:calledElementBinding="versionTag" camunda:calledElementVersionTag="v1"')})
    assert tagged.status_code == 422 and "unsupported-binding" in tagged.json["errors"]["Call"][0]
    elsewhere = deploy_rest(designer, {"caller.bpmn": _caller(
        "caller", "child", 'camunda:calledElementBinding="deployment"')})
    assert elsewhere.status_code == 422 and "not in it" in elsewhere.json["errors"]["Call"][0]


def _routing(key: str) -> bytes:
    return diagram(key, '''
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Route" />
    <bpmn:businessRuleTask id="Route" camunda:decisionRef="route" camunda:resultVariable="unit"
        camunda:mapDecisionResult="singleEntry" />
    <bpmn:sequenceFlow id="F2" sourceRef="Route" targetRef="Gate" />
    <bpmn:exclusiveGateway id="Gate" default="ToOther" />
    <bpmn:sequenceFlow id="ToRoads" sourceRef="Gate" targetRef="Roads">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${unit == "roads"}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="ToOther" sourceRef="Gate" targetRef="Other" />
    <bpmn:userTask id="Roads" camunda:candidateGroups="grid_worker" />
    <bpmn:userTask id="Other" camunda:candidateGroups="grid_worker" />
    <bpmn:sequenceFlow id="F3" sourceRef="Roads" targetRef="EndEvent_1" />
    <bpmn:sequenceFlow id="F4" sourceRef="Other" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1" />''')


def test_a_decision_deployed_from_another_file_is_its_next_version(app, api_as):
    designer = api_as("designer")
    first = deploy_rest(designer, {"route.dmn": dmn("route", "unit", [('"potholes"', '"parks"')])})
    assert first.status_code == 201 and first.json["decision_versions"] == {"route": 1}
    newer = dmn("route", "unit", [('"potholes"', '"roads"')])
    second = deploy_rest(designer, {"route-2026.dmn": newer})
    assert second.status_code == 201 and second.json["decision_versions"] == {"route": 2}, second.json
    assert deploy_rest(designer, {"route-copy.dmn": newer}).json["decision_versions"] == {"route": 2}
    # A process deployed now embeds the latest version of the decision.
    assert deploy_rest(designer, {"routing.bpmn": _routing("routing")}).status_code == 201
    assert drive(app, start("routing", {"category": "potholes"})).path == ["Roads"]
