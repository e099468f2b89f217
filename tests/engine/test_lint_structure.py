"""Deployment lint, structure: ids, references, scopes and what a deployment must contain."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from govflow.engine.lint import CODES
from tests.engine.lint_helpers import (
    RULE,
    TABLE,
    codes,
    definitions,
    dmn,
    full_ctx,
    line_of,
    lint,
    only,
    process,
    simple,
)


def test_a_clean_diagram_has_no_problems():
    data = simple('<bpmn:userTask id="work" camunda:candidateGroups="grid_worker" camunda:formKey="case.verify"/>')
    assert lint(data) == []


def test_every_code_in_the_source_is_catalogued():
    package = Path(__file__).resolve().parents[2] / "govflow" / "engine" / "lint"
    source = "".join(path.read_text() for path in package.glob("*.py"))
    used = set(re.findall(r'(?:error|warning|_fail|TimerError)\(\s*(?:\w+,\s*)?"([a-z]+(?:-[a-z]+)+)"', source, re.S))
    assert used and used <= set(CODES), used - set(CODES)


def test_every_duplicate_id_is_reported_with_both_lines():
    data = simple(more='<bpmn:task id="work"/><bpmn:task id="work"/>')
    problems = [p for p in lint(data) if p.code == "duplicate-id"]
    assert len(problems) == 2
    first = line_of(data, 'id="work"')
    assert f"at line {first}" in problems[0].message and f"at line {problems[0].line}" in problems[0].message


def test_extension_ids_need_not_be_unique():
    field = ('<camunda:formField id="{0}"><camunda:properties><camunda:property id="description" value="x"/>'
             '</camunda:properties></camunda:formField>')
    task = ('<bpmn:userTask id="work" camunda:candidateGroups="grid_worker"><bpmn:extensionElements>'
            f'<camunda:formData>{field.format("a")}{field.format("b")}</camunda:formData>'
            '</bpmn:extensionElements></bpmn:userTask>')
    assert lint(simple(task)) == []


TIMER = "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>"


@pytest.mark.parametrize("more, code, element_id", [
    ('<bpmn:sequenceFlow id="f9" sourceRef="work" targetRef="nowhere"/>', "dangling-reference", "f9"),
    ('<bpmn:sequenceFlow id="f9" targetRef="end"/>', "missing-reference", "f9"),
    ('<bpmn:subProcess id="sp"><bpmn:startEvent id="s"/><bpmn:endEvent id="e"/></bpmn:subProcess>'
     '<bpmn:sequenceFlow id="f9" sourceRef="work" targetRef="e"/>', "cross-scope-flow", "f9"),
    ('<bpmn:boundaryEvent id="b" attachedToRef="ghost">%s</bpmn:boundaryEvent>' % TIMER, "dangling-reference", "b"),
    ('<bpmn:boundaryEvent id="b" attachedToRef="end">%s</bpmn:boundaryEvent>' % TIMER, "dangling-reference", "b"),
    ('<bpmn:boundaryEvent id="b" attachedToRef="work"/>', "missing-event-definition", "b"),
    ('<bpmn:exclusiveGateway id="g" default="ghost"/>', "dangling-reference", "g"),
    ('<bpmn:exclusiveGateway id="g" default="f2"/>', "default-flow-mismatch", "g"),
    ('<bpmn:intermediateCatchEvent id="c"><bpmn:messageEventDefinition messageRef="ghost"/>'
     '</bpmn:intermediateCatchEvent>', "dangling-reference", "c"),
    ('<bpmn:intermediateCatchEvent id="c"><bpmn:messageEventDefinition messageRef="sig"/>'
     '</bpmn:intermediateCatchEvent>', "dangling-reference", "c"),
    ('<bpmn:intermediateCatchEvent id="c"><bpmn:signalEventDefinition signalRef="ghost"/>'
     '</bpmn:intermediateCatchEvent>', "dangling-reference", "c"),
    ('<bpmn:endEvent id="e2"><bpmn:errorEventDefinition errorRef="ghost"/></bpmn:endEvent>',
     "dangling-reference", "e2"),
    ('<bpmn:endEvent id="e2"><bpmn:escalationEventDefinition escalationRef="ghost"/></bpmn:endEvent>',
     "dangling-reference", "e2"),
])
def test_dangling_references_are_errors(more, code, element_id):
    problem = only(lint(simple(more=more, extra='<bpmn:signal id="sig" name="s"/>')), code)
    assert problem.severity == "error" and problem.element_id == element_id and problem.line


def test_diagram_and_lane_references_only_warn():
    extra = ('<bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="pl" bpmnElement="p">'
             '<bpmndi:BPMNShape id="s1" bpmnElement="ghost"/></bpmndi:BPMNPlane></bpmndi:BPMNDiagram>')
    more = ('<bpmn:laneSet id="ls"><bpmn:lane id="lane"><bpmn:flowNodeRef>ghost</bpmn:flowNodeRef></bpmn:lane>'
            '</bpmn:laneSet>')
    problems = lint(simple(more=more, extra=extra))
    assert [(p.code, p.severity) for p in problems] == [
        ("dangling-lane-reference", "warning"), ("dangling-di-reference", "warning")]


def test_incoming_outgoing_lists_must_agree_with_the_flows():
    task = ('<bpmn:userTask id="work" camunda:candidateGroups="grid_worker">'
            '<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f1</bpmn:outgoing></bpmn:userTask>')
    problem = only(lint(simple(task)), "flow-list-mismatch")
    assert problem.severity == "warning" and "f1" in problem.message and "f2" in problem.message


def test_call_activities_resolve_against_the_deployment_and_what_is_deployed():
    caller = simple('<bpmn:callActivity id="work" calledElement="deliberation"/>')
    assert codes(lint(caller)) == ["unknown-called-element"]
    assert lint(caller, full_ctx(known_process_ids={"deliberation"})) == []
    callee = simple().replace(b'id="p"', b'id="deliberation"')
    assert lint({"a.bpmn": caller, "b.bpmn": callee}) == []
    assert lint(simple('<bpmn:callActivity id="work" calledElement="${which}"/>')) == []
    assert codes(lint(simple('<bpmn:callActivity id="work"/>'))) == ["missing-called-element"]


def test_decision_refs_resolve_against_dmn_files_and_known_decisions():
    task = '<bpmn:businessRuleTask id="work" camunda:decisionRef="route"/>'
    assert only(lint(simple(task)), "unknown-decision").element_id == "work"
    assert lint({"t.bpmn": simple(task), "r.dmn": dmn(TABLE.format("route", "", RULE))}) == []
    assert lint(simple(task), full_ctx(known_decision_ids={"route"})) == []


def test_a_deployment_needs_an_executable_process_with_a_start_event():
    assert codes(lint(simple().replace(b'isExecutable="true"', b'isExecutable="false"'))) == ["no-executable-process"]
    no_start = definitions(process('<bpmn:endEvent id="end"/>'))
    assert only(lint(no_start), "no-start-event").element_id == "p"


def test_embedded_subprocesses_need_one_start_event_and_may_end_implicitly():
    sub = '<bpmn:subProcess id="work">{}</bpmn:subProcess>'
    assert codes(lint(simple(sub.format('<bpmn:task id="a"/>')))) == ["subprocess-start-event"]
    two = '<bpmn:startEvent id="s1"/><bpmn:startEvent id="s2"/><bpmn:endEvent id="e"/>'
    assert codes(lint(simple(sub.format(two))), "error") == ["subprocess-start-event"]


def test_a_process_id_may_appear_once_per_deployment():
    assert codes(lint({"a.bpmn": simple(), "b.bpmn": simple()})) == ["duplicate-process-id"]


def test_sequence_flows_without_id_are_legal_and_still_followed():
    data = definitions(process("""
        <bpmn:startEvent id="start"/>
        <bpmn:sequenceFlow sourceRef="start" targetRef="g"/>
        <bpmn:exclusiveGateway id="g"/>
        <bpmn:sequenceFlow sourceRef="g" targetRef="a"><bpmn:conditionExpression>x == 1</bpmn:conditionExpression>
        </bpmn:sequenceFlow>
        <bpmn:sequenceFlow sourceRef="g" targetRef="b"/>
        <bpmn:userTask id="a" camunda:candidateGroups="grid_worker"/>
        <bpmn:userTask id="b" camunda:candidateGroups="grid_worker"/>
        <bpmn:sequenceFlow sourceRef="a" targetRef="ghost"/>"""))
    problems = lint(data)
    # Reachability follows id-less flows (a and b are reached); the checks that look at
    # flows still see them and name them by their ends.
    assert codes(problems) == ["condition-can-miss", "dangling-reference", "unconditioned-flow"]
    assert "sequenceFlow from 'g' to 'b'" in only(problems, "unconditioned-flow").message
    assert only(problems, "dangling-reference").element_id is None
