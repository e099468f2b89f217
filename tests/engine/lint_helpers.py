"""Shared builders for the deployment-lint tests: tiny diagrams, a lint call that checks
the code catalogue, and lookups over the problems it returns."""
from __future__ import annotations

import re
from pathlib import Path

from govflow.engine.lint import CODES, LintContext, lint_files

HOSTILE = Path(__file__).resolve().parent.parent / "hostile"
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


def dmn(decisions: str) -> bytes:
    return f'<definitions xmlns="{DMN_NS}" id="dm" name="d" namespace="x">{decisions}</definitions>'.encode()


TABLE = ('<decision id="{0}" name="n"><decisionTable id="t_{0}"{1}><input id="i_{0}"><inputExpression id="ie_{0}">'
         '<text>x</text></inputExpression></input><output id="o_{0}" name="y"/>{2}</decisionTable></decision>')
RULE = ('<rule id="r1"><inputEntry id="ie1"><text>1</text></inputEntry>'
        '<outputEntry id="oe1"><text>"A"</text></outputEntry></rule>')
