"""Deployment lint, expressions: JUEL, Python conditions and scripts, timers, multi-instance."""
from __future__ import annotations

import pytest

from tests.engine.lint_helpers import codes, definitions, full_ctx, line_of, lint, only, process, simple


def test_every_juel_text_goes_through_the_translator():
    seen = []
    data = definitions(process("""
        <bpmn:startEvent id="start"/>
        <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="g"/>
        <bpmn:exclusiveGateway id="g" default="f3"/>
        <bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="work">
        <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${cond}</bpmn:conditionExpression>
        </bpmn:sequenceFlow>
        <bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="work"/>
        <bpmn:userTask id="work" camunda:assignee="${assignee}" camunda:candidateUsers="${users}"
        camunda:candidateGroups="grid_worker,${group}" camunda:dueDate="${due}" camunda:followUpDate="#{follow}"
        camunda:priority="${prio}">
        <bpmn:multiInstanceLoopCharacteristics camunda:collection="${items}">
        <bpmn:loopCardinality>${card}</bpmn:loopCardinality>
        <bpmn:completionCondition>${done}</bpmn:completionCondition>
        </bpmn:multiInstanceLoopCharacteristics>
        </bpmn:userTask>
        <bpmn:boundaryEvent id="late" attachedToRef="work" cancelActivity="false">
        <bpmn:timerEventDefinition><bpmn:timeCycle>R3/${interval}</bpmn:timeCycle></bpmn:timerEventDefinition>
        </bpmn:boundaryEvent>
        <bpmn:sequenceFlow id="f4" sourceRef="late" targetRef="remind"/>
        <bpmn:intermediateThrowEvent id="remind">
        <bpmn:messageEventDefinition messageRef="m" camunda:expression="${payload}"/>
        </bpmn:intermediateThrowEvent>
        <bpmn:sequenceFlow id="f6" sourceRef="remind" targetRef="end"/>
        <bpmn:sequenceFlow id="f5" sourceRef="work" targetRef="end"/>
        <bpmn:endEvent id="end"/>"""), extra='<bpmn:message id="m" name="reminder"/>')
    assert lint(data, full_ctx(juel_translate=lambda text: seen.append(text) or text)) == []
    assert sorted(seen) == sorted(["${cond}", "${assignee}", "${users}", "${group}", "${due}", "#{follow}",
                                   "${prio}", "${items}", "${card}", "${done}", "R3/${interval}", "${payload}"])


def test_priority_is_a_number_or_an_expression():
    task = '<bpmn:userTask id="work" camunda:candidateGroups="grid_worker" camunda:priority="{}"/>'
    assert lint(simple(task.format("50"))) == []
    assert codes(lint(simple(task.format("high")))) == ["invalid-priority"]


def test_untranslatable_juel_names_element_and_line():
    data = simple(more="""
        <bpmn:sequenceFlow id="f9" sourceRef="start" targetRef="end">
        <bpmn:conditionExpression>${customer.age() > 21}</bpmn:conditionExpression>
        </bpmn:sequenceFlow>""")
    problem = only(lint(data), "untranslatable-expression")
    assert (problem.element_id, problem.line) == ("f9", line_of(data, "<bpmn:conditionExpression"))
    assert "method calls are not supported" in problem.message
    assert "untranslatable-expression" not in codes(lint(data, full_ctx(juel_translate=None)))


def test_python_conditions_must_compile():
    condition = "<bpmn:conditionExpression>\napproved ==\n</bpmn:conditionExpression>"
    data = simple(more=f'<bpmn:sequenceFlow id="f9" sourceRef="start" targetRef="end">{condition}</bpmn:sequenceFlow>')
    problem = only(lint(data), "python-syntax")
    assert (problem.element_id, problem.line) == ("f9", line_of(data, "approved =="))
    good = data.replace(b"approved ==", b"approved == 'yes'")
    assert "python-syntax" not in codes(lint(good))
    assert "unsupported-language" in codes(lint(data.replace(b"<bpmn:conditionExpression>",
                                                             b'<bpmn:conditionExpression language="groovy">')))


def test_scripts_are_python():
    script = '<bpmn:scriptTask id="work" scriptFormat="{0}"><bpmn:script>{1}</bpmn:script></bpmn:scriptTask>'
    indented = simple(script.format("python", "SCRIPT")).replace(b"SCRIPT", b"x = 1\nif x:\n    y = 2")
    assert lint(indented) == []
    assert codes(lint(simple(script.format("python", "x = = 1")))) == ["python-syntax"]
    assert [(p.code, p.severity) for p in lint(simple(script.format("groovy", "println 'x'")))] == [
        ("unsupported-script", "error")]
    assert [(p.code, p.severity) for p in lint(simple(script.format("reset", "x = 1")))] == [
        ("unknown-script-format", "warning")]
    assert codes(lint(simple('<bpmn:scriptTask id="work" camunda:resource="a.groovy"/>'))) == ["missing-script"]


def timer(kind: str, value: str) -> bytes:
    return simple(more=f"""
        <bpmn:boundaryEvent id="late" attachedToRef="work">
        <bpmn:timerEventDefinition><bpmn:{kind}>{value}</bpmn:{kind}></bpmn:timerEventDefinition>
        </bpmn:boundaryEvent>
        <bpmn:sequenceFlow id="f3" sourceRef="late" targetRef="end"/>""")


@pytest.mark.parametrize("kind, value", [
    ("timeDuration", "PT1H"), ("timeDuration", '"P3D"'), ("timeDuration", "${limit}"), ("timeDuration", "limit"),
    ("timeDuration", "P1Y6M"), ("timeDate", "2026-05-01T09:00:00+08:00"), ("timeDate", "'2026-05-01'"),
    ("timeCycle", "R3/PT10M"), ("timeCycle", "R1000/PT1H"), ("timeCycle", "R5/2026-01-01T00:00:00Z/P1D"),
])
def test_sensible_timers_pass(kind, value):
    assert lint(timer(kind, value)) == []


@pytest.mark.parametrize("kind, value, code", [
    ("timeDuration", "PT1X", "invalid-timer"),
    ("timeDuration", "P99999999Y", "timer-too-long"),
    ("timeDuration", "P11Y", "timer-too-long"),
    ("timeDuration", "", "invalid-timer"),
    ("timeDuration", "in 3 days", "invalid-timer"),
    ("timeDuration", "3600", "invalid-timer"),
    ("timeDate", "2026-13-01", "invalid-timer"),
    ("timeCycle", "R/PT1H", "timer-cycle-unbounded"),
    ("timeCycle", "R1001/PT1H", "timer-cycle-too-many"),
    ("timeCycle", "R5/PT30S", "timer-cycle-too-frequent"),
    ("timeCycle", "R5/P99999999Y", "timer-too-long"),
    ("timeCycle", "0 0/5 * * * ?", "timer-cycle-unbounded"),   # cron never ends: only non-interrupting
    ("timeCycle", "0 0 9 * *", "invalid-timer"),              # five fields: Unix cron, not Quartz
])
def test_unusable_timers_are_errors(kind, value, code):
    data = timer(kind, value)
    problem = only(lint(data), code)
    assert (problem.severity, problem.element_id) == ("error", "late")
    assert problem.line == line_of(data, f"<bpmn:{kind}>")


def test_a_timer_needs_a_time():
    data = simple(more='<bpmn:boundaryEvent id="late" attachedToRef="work"><bpmn:timerEventDefinition/>'
                       '</bpmn:boundaryEvent><bpmn:sequenceFlow id="f3" sourceRef="late" targetRef="end"/>')
    assert only(lint(data), "invalid-timer").element_id == "late"


def test_due_dates_are_checked_like_timers():
    task = '<bpmn:userTask id="work" camunda:candidateGroups="grid_worker" camunda:dueDate="{}"/>'
    assert lint(simple(task.format("P3D"))) == []
    assert lint(simple(task.format("2026-06-30T18:00:00"))) == []
    assert codes(lint(simple(task.format("P99999999Y")))) == ["timer-too-long"]
    assert codes(lint(simple(task.format("soon!")))) == ["invalid-timer"]


@pytest.mark.parametrize("cardinality, problem_codes", [
    ("1000", []), ("3", []), ("len(rows)", []), ("${n}", []),
    ("1001", ["cardinality-too-large"]), ("99999999999999999999", ["cardinality-too-large"]),
    ("", ["missing-cardinality"]),
    ("-1", ["invalid-cardinality"]), ("2.5", ["invalid-cardinality"]), ("len(", ["python-syntax"]),
])
def test_literal_loop_cardinality_is_bounded(cardinality, problem_codes):
    task = (f'<bpmn:userTask id="work" camunda:candidateGroups="grid_worker"><bpmn:multiInstanceLoopCharacteristics>'
            f'<bpmn:loopCardinality>{cardinality}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>'
            '</bpmn:userTask>')
    assert codes(lint(simple(task))) == problem_codes
