"""Deployment lint: one tiny diagram per rule, the hostile samples, and the corpus."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from govflow.engine.lint import CODES, LintContext, LintFailed, class_candidates, lint_files, parse_safely
from govflow.engine.lint.dmn import decision_ids
from govflow.engine.lint.document import BpmnDocument
from govflow.engine.lint.model import is_dmn

HOSTILE = Path(__file__).resolve().parent.parent / "hostile"
CORPUS = Path("/work/shared/corpus")
NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
      'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"')
DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"


def translate_stand_in(text: str) -> str:
    """Stands in for the JUEL translator: refuses method calls, as the real one does."""
    if "(" in text:
        raise ValueError("method calls are not supported")
    return re.sub(r"[$#]\{\s*(.*?)\s*\}", r"\1", text)


def full_ctx(**overrides) -> LintContext:
    values = dict(roles={"grid_worker", "community_secretary"}, form_keys={"case.verify"},
                  handlers={"notify", "archive"}, juel_translate=translate_stand_in)
    return LintContext(**{**values, **overrides})


def definitions(*processes: str, extra: str = "") -> bytes:
    body = "\n".join(processes) + "\n" + extra
    lines = "\n".join(line.strip() for line in body.splitlines() if line.strip())
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions {NS} id="defs" '
            f'targetNamespace="http://govflow.test">\n{lines}\n</bpmn:definitions>\n').encode()


def process(body: str, pid: str = "p", executable: str = "true") -> str:
    return f'<bpmn:process id="{pid}" isExecutable="{executable}">\n{body}\n</bpmn:process>'


def simple(task: str = '<bpmn:userTask id="work" camunda:candidateGroups="grid_worker"/>', more: str = "",
           extra: str = "") -> bytes:
    """start → work → end, with ``task`` as the work element and ``more`` beside it."""
    return definitions(process(f"""
        <bpmn:startEvent id="start"/>
        <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
        {task}
        <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
        <bpmn:endEvent id="end"/>
        {more}"""), extra=extra)


def lint(data, ctx: LintContext | None = None):
    files = data if isinstance(data, dict) else {"t.bpmn": data}
    problems = lint_files(files, ctx or full_ctx())
    for problem in problems:  # codes are a catalogued interface with a fixed severity
        assert CODES[problem.code][0] == problem.severity, problem
    return problems


def only(problems, code):
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, problems
    return found[0]


def codes(problems, severity=None):
    return sorted(p.code for p in problems if severity in (None, p.severity))


def line_of(data: bytes, needle: str) -> int:
    text = data.decode()
    return text[:text.index(needle)].count("\n") + 1


def test_a_clean_diagram_has_no_problems():
    data = simple('<bpmn:userTask id="work" camunda:candidateGroups="grid_worker" camunda:formKey="case.verify"/>')
    assert lint(data) == []


# --- safety -----------------------------------------------------------------------------

@pytest.mark.parametrize("sample, code", [
    ("xxe.bpmn", "doctype-forbidden"),
    ("billion_laughs.bpmn", "doctype-forbidden"),
    ("duplicate_ids.bpmn", "duplicate-id"),
    ("dangling_ref.bpmn", "dangling-reference"),
    ("absurd_timer.bpmn", "timer-too-long"),
    ("huge_cardinality.bpmn", "cardinality-too-large"),
])
def test_hostile_samples_are_refused_with_their_code(sample, code):
    problems = lint({sample: (HOSTILE / sample).read_bytes()})
    assert code in codes(problems, "error")
    assert "root:" not in " ".join(p.message for p in problems)  # nothing of /etc/passwd leaks


def test_deep_nesting_is_refused_while_parsing():
    for depth in (100, 100_000):  # under libxml2's own 256 limit, and far beyond it
        data = b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">' \
               + b"<a>" * depth + b"</a>" * depth + b"</bpmn:definitions>"
        with pytest.raises(LintFailed) as failed:
            parse_safely("deep_nesting.bpmn", data, LintContext(max_bytes=10_000_000))
        assert [p.code for p in failed.value.problems] == ["too-deep"]


def test_size_is_refused_before_parsing():
    with pytest.raises(LintFailed) as failed:
        parse_safely("big.bpmn", b"not even xml" * 100, LintContext(max_bytes=1000))
    assert failed.value.problems[0].code == "too-large"


def test_element_count_is_limited():
    data = simple(more="".join(f'<bpmn:textAnnotation id="n{i}"/>' for i in range(100)))
    with pytest.raises(LintFailed) as failed:
        parse_safely("many.bpmn", data, LintContext(max_elements=50))
    assert failed.value.problems[0].code == "too-many-elements"


def test_external_dtd_is_refused():
    data = b'<!DOCTYPE x SYSTEM "http://attacker.test/x.dtd">' + simple().split(b"?>", 1)[1]
    assert codes(lint(data)) == ["doctype-forbidden"]
    assert codes(lint(b"<!-- looks harmless -->\n" + data)) == ["doctype-forbidden"]


def test_doctype_is_found_in_utf16_too():
    xxe = (HOSTILE / "xxe.bpmn").read_text().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    assert codes(lint(xxe.encode("utf-16"))) == ["doctype-forbidden"]


def test_malformed_xml_reports_line_and_parser_message():
    data = simple().replace(b'<bpmn:endEvent id="end"/>', b'<bpmn:endEvent id="end">')
    problem = only(lint(data), "malformed-xml")
    assert problem.line == line_of(data, "</bpmn:process>")
    assert "mismatch" in problem.message


@pytest.mark.parametrize("data", [b"<html/>", b'<definitions xmlns="http://example.com/not-bpmn"/>',
                                  b'<bpmn:process xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>'])
def test_root_must_be_bpmn_or_dmn_definitions(data):
    assert codes(lint(data)) == ["wrong-root"]


def test_a_refused_file_does_not_stop_the_others():
    problems = lint({"bad.bpmn": b"<oops", "good.bpmn": simple()})
    assert [(p.file, p.code) for p in problems] == [("bad.bpmn", "malformed-xml")]


# --- structure --------------------------------------------------------------------------

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


def dmn(decisions: str) -> bytes:
    return f'<definitions xmlns="{DMN_NS}" id="dm" name="d" namespace="x">{decisions}</definitions>'.encode()


TABLE = ('<decision id="{0}" name="n"><decisionTable id="t_{0}"{1}><input id="i_{0}"><inputExpression id="ie_{0}">'
         '<text>x</text></inputExpression></input><output id="o_{0}" name="y"/>{2}</decisionTable></decision>')
RULE = ('<rule id="r1"><inputEntry id="ie1"><text>1</text></inputEntry>'
        '<outputEntry id="oe1"><text>"A"</text></outputEntry></rule>')


def test_decision_refs_resolve_against_dmn_files_and_known_decisions():
    task = '<bpmn:businessRuleTask id="work" camunda:decisionRef="route"/>'
    assert only(lint(simple(task)), "unknown-decision").element_id == "work"
    assert lint({"t.bpmn": simple(task), "r.dmn": dmn(TABLE.format("route", "", RULE))}) == []
    assert lint(simple(task), full_ctx(known_decision_ids={"route"})) == []


def test_a_deployment_needs_an_executable_process_with_a_start_event():
    assert codes(lint(simple().replace(b'isExecutable="true"', b'isExecutable="false"'))) == ["no-executable-process"]
    no_start = definitions(process('<bpmn:endEvent id="end"/>'))
    assert only(lint(no_start), "no-start-event").element_id == "p"


def test_embedded_subprocesses_need_one_start_and_an_end_event():
    sub = '<bpmn:subProcess id="work">{}</bpmn:subProcess>'
    assert codes(lint(simple(sub.format('<bpmn:task id="a"/>')))) == ["subprocess-end-event",
                                                                      "subprocess-start-event"]
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


# --- Camunda dialect ------------------------------------------------------------------------

def test_unknown_role_is_named_with_its_task():
    data = simple('<bpmn:userTask id="verify" camunda:candidateGroups="community_secretary, grid_workr,${extra}"/>'
                  ).replace(b'"work"', b'"verify"')
    problem = only(lint(data), "unknown-role")
    assert problem.message == "userTask 'verify' names unknown role 'grid_workr' in camunda:candidateGroups"
    assert (problem.element_id, problem.line) == ("verify", line_of(data, "<bpmn:userTask"))
    assert lint(data, full_ctx(roles=None)) == []


def test_unknown_form_key():
    data = simple('<bpmn:userTask id="work" camunda:candidateGroups="grid_worker" '
                  'camunda:formKey="embedded:app:forms/x.html"/>')
    assert codes(lint(data)) == ["unknown-form"]
    assert lint(data, full_ctx(form_keys={"embedded:app:forms/x.html"})) == []
    assert lint(data, full_ctx(form_keys=None)) == []


def test_user_task_nobody_can_work_is_a_warning():
    problem = only(lint(simple('<bpmn:userTask id="work"/>')), "unassigned-task")
    assert problem.severity == "warning" and "no one can work this task" in problem.message
    assert lint(simple('<bpmn:userTask id="work" camunda:assignee="${initiator}"/>')) == []


@pytest.mark.parametrize("attrs, problem_codes", [
    ('camunda:delegateExpression="${notify}"', []),
    ('camunda:delegateExpression="#{notfy}"', ["unknown-handler"]),
    # Names the handler and is never evaluated, so the translator (which refuses method
    # calls) is not asked.
    ('camunda:expression="${notify.send(case)}"', []),
    ('camunda:expression="${archive}"', []),
    ('camunda:class="com.acme.NotifyDelegate"', []),
    ('camunda:class="com.acme.SendNotification"', ["unknown-handler"]),
    ('camunda:type="external" camunda:topic="notify"', []),
    ('camunda:type="external" camunda:topic="sms"', ["unknown-handler"]),
    ('camunda:type="external"', ["no-implementation"]),
    ('camunda:delegateExpression="notify"', ["no-implementation"]),
    ('', ["no-implementation"]),
])
def test_service_task_handlers(attrs, problem_codes):
    assert codes(lint(simple(f'<bpmn:serviceTask id="work" {attrs}/>'))) == problem_codes


def test_handler_names_only_checked_with_a_registry_but_an_implementation_always():
    assert lint(simple('<bpmn:sendTask id="work" camunda:delegateExpression="${sms}"/>'), full_ctx(handlers=None)) == []
    assert codes(lint(simple('<bpmn:sendTask id="work"/>'), full_ctx(handlers=None))) == ["no-implementation"]
    connector = ('<bpmn:serviceTask id="work"><bpmn:extensionElements><camunda:connector>'
                 '<camunda:connectorId>http-connector</camunda:connectorId></camunda:connector>'
                 '</bpmn:extensionElements></bpmn:serviceTask>')
    assert codes(lint(simple(connector))) == ["unsupported-connector"]
    assert codes(lint(simple('<bpmn:businessRuleTask id="work" camunda:class="a.Sms"/>'))) == ["unknown-handler"]
    method_call = simple('<bpmn:serviceTask id="work" camunda:expression="${notfy.send(case)}"/>')
    assert only(lint(method_call, full_ctx(juel_translate=None)), "unknown-handler").message == \
        "serviceTask 'work' names unknown handler 'notfy' in camunda:expression"


def test_class_names_map_to_handler_names():
    # The same mapping as govflow/engine/parser.py, most specific first.
    assert class_candidates("com.x.NotifyDelegate") == ["notify_delegate", "notify", "notifyDelegate"]
    assert class_candidates("a.b.SendNotification") == ["send_notification", "sendNotification"]
    message = only(lint(simple('<bpmn:serviceTask id="work" camunda:class="a.b.SendNotification"/>')),
                   "unknown-handler").message
    assert "send_notification, sendNotification" in message


# --- expressions, timers, multi-instance ----------------------------------------------------

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


def test_every_code_in_the_source_is_catalogued():
    package = Path(__file__).resolve().parents[2] / "govflow" / "engine" / "lint"
    source = "".join(path.read_text() for path in package.glob("*.py"))
    used = set(re.findall(r'(?:error|warning|_fail|TimerError)\(\s*(?:\w+,\s*)?"([a-z]+(?:-[a-z]+)+)"', source, re.S))
    assert used and used <= set(CODES), used - set(CODES)


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
        ("unsupported-script", "warning")]
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
    ("timeCycle", "0 0/5 * * * ?", "invalid-timer"),
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
    assert codes(problems, "error") == []  # a start event may fork implicitly; a task may not:
    assert codes(lint(simple(more='<bpmn:sequenceFlow id="f3" sourceRef="work" targetRef="end"/>'))) == [
        "multiple-outgoing"]
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


# --- corpus ---------------------------------------------------------------------------------

# Corpus files that break a rule on purpose of the rules, not by accident of the linter.
CORPUS_ERRORS = {
    # Quartz cron ("every 5 seconds") in a timer start event: SpiffWorkflow runs only
    # ISO-8601 cycles, and an unbounded 5-second cycle is what the cycle limits refuse.
    ("camunda-bpm-examples/clients/java/order-handling/order-handling.bpmn", "invalid-timer", "StartEvent_1"),
    ("camunda-bpm-examples/spring-boot-starter/external-task-client/loan-granting-spring-boot-webapp/"
     "src/main/resources/bpmn/loan-granting.bpmn", "invalid-timer", "StartEvent_1"),
    # XSLT loaded from a classpath resource: no inline script, which the engine refuses.
    ("camunda-bpm-examples/scripttask/xslt-scripttask/src/main/resources/xslt-example.bpmn",
     "missing-script", "ScriptTask_1"),
    # A Camunda HTTP connector does the work of this service task; the platform runs
    # handlers only, so the task has no implementation here.
    ("camunda-bpm-examples/servicetask/rest-service/src/main/resources/invokeRestService.bpmn",
     "unsupported-connector", "ServiceTask_1"),
}


def corpus_files() -> dict[str, bytes]:
    found = {}
    for folder, _, names in os.walk(CORPUS):
        for name in names:
            if name.endswith((".bpmn", ".dmn")):
                path = Path(folder) / name
                found[str(path.relative_to(CORPUS))] = path.read_bytes()
    return found


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not mounted")
def test_corpus_lints_without_unexpected_errors():
    files = corpus_files()
    assert len(files) > 70
    # Each file is linted alone, with the rest of the corpus as "already deployed", so
    # that call activities and decisions in sibling files resolve.
    processes, decisions = set(), set()
    for name, data in files.items():
        root = parse_safely(name, data).getroot()
        if is_dmn(root):
            decisions |= {i for i, _ in decision_ids(root)}
        else:
            processes |= {p.get("id") for p in BpmnDocument(name, root.getroottree()).processes}
    ctx = LintContext(known_process_ids=processes, known_decision_ids=decisions)
    errors = {(p.file, p.code, p.element_id) for name, data in files.items()
              for p in lint_files({name: data}, ctx) if p.severity == "error"}
    assert errors == CORPUS_ERRORS


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not mounted")
def test_spiff_cases_lint_as_deployments():
    """Each behavioural case names the files it deploys together; no outside ids needed."""
    folder = CORPUS / "spiffworkflow-camunda"
    for case in json.loads((folder / "cases.json").read_text()):
        # Names may be globs ("call_activity_with_message*.bpmn").
        files = {str(path.relative_to(folder)): path.read_bytes()
                 for pattern in case["bpmn"] + case.get("dmn", []) for path in folder.glob(pattern)}
        assert files, case["id"]
        assert [p for p in lint_files(files, LintContext()) if p.severity == "error"] == [], case["id"]
