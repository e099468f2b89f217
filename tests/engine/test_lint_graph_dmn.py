"""Deployment lint, the flow graph and DMN decision tables."""
from __future__ import annotations

import pytest

from tests.engine.lint_helpers import RULE, TABLE, codes, definitions, dmn, lint, only, process, simple

# --- graph ----------------------------------------------------------------------------------

def test_unreachable_nodes_warn_but_boundary_and_event_subprocess_paths_count():
    more = """
        <bpmn:userTask id="orphan" camunda:candidateGroups="grid_worker"/>
        <bpmn:sequenceFlow id="f3" sourceRef="orphan" targetRef="end"/>
        <bpmn:boundaryEvent id="late" attachedToRef="work"><bpmn:timerEventDefinition>
        <bpmn:timeDuration>PT2H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
        <bpmn:sequenceFlow id="f4" sourceRef="late" targetRef="urge"/>
        <bpmn:userTask id="urge" camunda:candidateGroups="grid_worker"/>
        <bpmn:subProcess id="on_cancel" triggeredByEvent="true">
        <bpmn:startEvent id="cancelled"><bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent>
        <bpmn:sequenceFlow id="f5" sourceRef="cancelled" targetRef="closed"/>
        <bpmn:endEvent id="closed"/>
        </bpmn:subProcess>"""
    problem = only(lint(simple(more=more, extra='<bpmn:message id="m" name="cancel"/>')), "unreachable")
    assert (problem.severity, problem.element_id) == ("warning", "orphan")


def test_embedded_subprocess_and_link_events_are_followed():
    task = """
        <bpmn:subProcess id="work">
        <bpmn:startEvent id="s_start"/>
        <bpmn:sequenceFlow id="s1" sourceRef="s_start" targetRef="jump"/>
        <bpmn:intermediateThrowEvent id="jump"><bpmn:linkEventDefinition name="L"/></bpmn:intermediateThrowEvent>
        <bpmn:intermediateCatchEvent id="land"><bpmn:linkEventDefinition name="L"/></bpmn:intermediateCatchEvent>
        <bpmn:sequenceFlow id="s2" sourceRef="land" targetRef="s_end"/>
        <bpmn:endEvent id="s_end"/>
        </bpmn:subProcess>"""
    assert lint(simple(task)) == []


def test_gateway_flows_without_condition_and_no_default():
    data = definitions(process("""
        <bpmn:startEvent id="start"/>
        <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="g"/>
        <bpmn:exclusiveGateway id="g"/>
        <bpmn:sequenceFlow id="yes" sourceRef="g" targetRef="end">
        <bpmn:conditionExpression>ok</bpmn:conditionExpression></bpmn:sequenceFlow>
        <bpmn:sequenceFlow id="no" sourceRef="g" targetRef="end"/>
        <bpmn:endEvent id="end"/>"""))
    problems = lint(data)
    assert only(problems, "condition-can-miss").severity == "warning"
    assert "a condition can miss" in only(problems, "condition-can-miss").message
    # SpiffWorkflow refuses the gateway outright, so the bare flow itself is an error.
    assert only(problems, "unconditioned-flow").element_id == "no"
    assert lint(data.replace(b'<bpmn:exclusiveGateway id="g"/>', b'<bpmn:exclusiveGateway id="g" default="no"/>')) == []


def test_paths_that_stop_without_an_end_event_warn():
    more = """
        <bpmn:sequenceFlow id="f3" sourceRef="start" targetRef="fork"/>
        <bpmn:parallelGateway id="fork"/>
        <bpmn:boundaryEvent id="late" attachedToRef="work"><bpmn:timerEventDefinition>
        <bpmn:timeDuration>PT2H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>"""
    problems = lint(simple(more=more))
    assert sorted((p.code, p.element_id) for p in problems if p.code == "dead-end") == [
        ("dead-end", "fork"), ("dead-end", "late")]
    assert codes(problems, "error") == []
    # Several flows out of a task split in parallel, as in Camunda (uncontrolled flow).
    assert codes(lint(simple(more='<bpmn:sequenceFlow id="f3" sourceRef="work" targetRef="end"/>'))) == []
    # A task that simply ends its path is an implicit end event: legitimate.
    assert lint(simple(more='<bpmn:sequenceFlow id="f3" sourceRef="start" targetRef="g"/>'
                            '<bpmn:parallelGateway id="g"/>').replace(b'sourceRef="start" targetRef="work"',
                                                                       b'sourceRef="g" targetRef="work"')
                ) == []


# --- DMN ------------------------------------------------------------------------------------

@pytest.mark.parametrize("decisions, code", [
    (TABLE.format("d", ' hitPolicy="SOMETIMES"', RULE), "invalid-hit-policy"),
    (TABLE.format("d", ' hitPolicy="PRIORITY"', RULE), "unsupported-hit-policy"),
    (TABLE.format("d", "", RULE.replace('<inputEntry id="ie1"><text>1</text></inputEntry>', "")), "rule-arity"),
    (TABLE.format("d", "", RULE).replace('id="d"', ""), "missing-id"),
    ('<decision id="d" name="n"><literalExpression id="l"><text>1</text></literalExpression></decision>',
     "unsupported-decision"),
    (TABLE.format("d", "", RULE).replace('<decisionTable', '<informationRequirement id="ir">'
                                         '<requiredDecision href="#ghost"/></informationRequirement><decisionTable'),
     "dangling-reference"),
    (TABLE.format("d", "", RULE) + TABLE.format("d", "", "").replace('"t_d"', '"t_e"').replace('"i_d"', '"i_e"')
     .replace('"ie_d"', '"ie_e"').replace('"o_d"', '"o_e"'), "duplicate-id"),
])
def test_dmn_rules(decisions, code):
    problem = only(lint({"r.dmn": dmn(decisions)}), code)
    assert problem.line is not None


def test_a_decision_id_may_appear_once_per_deployment():
    table = dmn(TABLE.format("route", "", RULE))
    assert codes(lint({"a.dmn": table, "b.dmn": table})) == ["duplicate-decision-id"]
