"""Expressions, scripts, timers and multi-instance bounds inside executable processes.

Camunda diagrams write JUEL (``${approved}``); the platform translates it to Python
with ``ctx.juel_translate``, so every JUEL text is put through the translator here,
where a failure still names the element and line, rather than at run time. Everything
else is Python evaluated by the sandbox, so it must at least compile. Nothing is ever
evaluated here.
"""
from __future__ import annotations

import ast
import re
import textwrap

from . import timers
from .document import BpmnDocument, is_flow_node
from .model import Findings, LintContext, bpmn, camunda, describe, is_juel, local, split_list, text_of

MAX_CARDINALITY = 1000
# Compiling a megabyte-long condition takes seconds; no sensible condition is this long.
MAX_EXPRESSION_CHARS = 10_000
_PYTHON_SCRIPT_FORMATS = {"", "python", "python3", "py", "text/x-python"}
_CONDITION_LANGUAGES = {"", "python", "juel"}
_OWNER_TAGS = {"sequenceFlow", "process"}
_TIMER_KINDS = {"timeDuration", "timeDate", "timeCycle"}
_HANDLER_TASKS = {"serviceTask", "sendTask", "businessRuleTask"}


class Expressions:
    """Checks one expression text and reports on ``subject`` at the line of ``at``."""

    def __init__(self, ctx: LintContext, findings: Findings):
        self.ctx, self.findings = ctx, findings

    def juel(self, text: str, subject, at, where: str) -> None:
        if self.ctx.juel_translate is None:
            return
        text = text.strip()
        if len(text) > MAX_EXPRESSION_CHARS:
            self.findings.error("untranslatable-expression", f"{describe(subject)} has {where} longer than "
                                f"{MAX_EXPRESSION_CHARS:,} characters", subject, at)
            return
        try:
            self.ctx.juel_translate(text)
        except Exception as exc:  # the translator's own error type is not ours to know
            self.findings.error("untranslatable-expression",
                                f"{describe(subject)} has {where} '{_short(text)}' that cannot be translated "
                                f"to Python: {exc}", subject, at)

    def python(self, text: str, subject, at, where: str, mode: str = "eval", code: str = "python-syntax",
               expected: str = "valid Python") -> None:
        source = text.strip() if mode == "eval" else textwrap.dedent(text)
        if mode == "eval" and len(source) > MAX_EXPRESSION_CHARS:
            self.findings.error(code, f"{describe(subject)} has {where} longer than {MAX_EXPRESSION_CHARS:,} "
                                      "characters", subject, at)
            return
        try:
            compile(source, f"<{where}>", mode, dont_inherit=True)
        except SyntaxError as exc:
            leading = len(text) - len(text.lstrip()) if mode == "eval" else 0
            line = None
            if at.sourceline:
                line = at.sourceline + text[:leading].count("\n") + max((exc.lineno or 1) - 1, 0)
            self.findings.error(code,
                                f"{describe(subject)} has {where} '{_short(text)}', which is not {expected} "
                                f"({exc.msg})", subject, at, line)
        except (ValueError, RecursionError, MemoryError) as exc:
            self.findings.error(code,
                                f"{describe(subject)} has {where} that cannot be compiled ({exc})", subject, at)
        else:
            self._sandbox(source, mode, subject, at, where)

    def _sandbox(self, source: str, mode: str, subject, at, where: str) -> None:
        if self.ctx.sandbox_check is None:
            return
        try:
            self.ctx.sandbox_check(source, mode)
        except SyntaxError:
            return  # reported above as python-syntax
        except Exception as exc:  # the sandbox's own error type is not ours to know
            line = getattr(exc, "lineno", None)
            if line and at.sourceline and mode == "exec":
                line = at.sourceline + line - 1
            self.findings.error("unsafe-code", f"{describe(subject)} has {where} the sandbox refuses: {exc}",
                                subject, at, line if mode == "exec" else None)

    def either(self, text: str, subject, at, where: str) -> None:
        if is_juel(text):
            self.juel(text, subject, at, where)
        else:
            self.python(text, subject, at, where)


def check_expressions(doc: BpmnDocument, ctx: LintContext, findings: Findings) -> None:
    exprs = Expressions(ctx, findings)
    for el in doc.executable_elements():
        tag = el.tag
        if tag in (bpmn("conditionExpression"), bpmn("condition"), bpmn("completionCondition")):
            _check_condition(exprs, el)
        elif tag == bpmn("loopCardinality"):
            _check_cardinality(exprs, el)
        elif tag == bpmn("scriptTask"):
            _check_script(exprs, el)
        elif tag in (bpmn("timeDuration"), bpmn("timeDate"), bpmn("timeCycle")):
            check_timer(exprs, local(el), text_of(el), owner(el), el)
        elif tag == bpmn("timerEventDefinition") and not any(local(c) in _TIMER_KINDS for c in el):
            findings.error("invalid-timer", f"{describe(owner(el))} has a timer without timeDuration, timeDate "
                                            "or timeCycle", owner(el), el)
        elif tag == bpmn("multiInstanceLoopCharacteristics") and not _has_loop_source(el):
            findings.error("missing-cardinality", f"{describe(owner(el))} is multi-instance without "
                                                  "loopCardinality or camunda:collection", owner(el), el)
        _check_camunda_attributes(exprs, el)


def owner(el):
    """The flow node or sequence flow an expression element belongs to."""
    for candidate in el.iterancestors():
        if is_flow_node(candidate) or local(candidate) in _OWNER_TAGS:
            return candidate
    return el


def check_timer(exprs: Expressions, kind: str, text: str, subject, at) -> None:
    """One timer or due-date value (see :mod:`.timers` for what is accepted)."""
    where = kind if kind.startswith("time") else f"camunda:{kind}"
    if not text.strip():
        exprs.findings.error("invalid-timer", f"{describe(subject)} has an empty {where}", subject, at)
        return
    if is_juel(text):
        exprs.juel(text, subject, at, where)
        return
    if len(text) > MAX_EXPRESSION_CHARS:
        exprs.findings.error("invalid-timer", f"{describe(subject)} has a {where} longer than "
                                              f"{MAX_EXPRESSION_CHARS:,} characters", subject, at)
        return
    try:
        literal = timers.literal_of(text)
        if literal is not None and kind == "timeCycle":
            timers.check_cycle(literal, endless_allowed=_ends_with_its_scope(subject))
        elif literal is not None:
            timers.CHECKS[kind](literal)
    except timers.TimerError as exc:
        exprs.findings.error(exc.code, f"{describe(subject)} has {where} '{_short(text)}': {exc}", subject, at)
        return
    if literal is None:
        # Neither JUEL nor an ISO literal: a Python expression computed at run time.
        exprs.python(text, subject, at, where, code="invalid-timer",
                     expected="an ISO-8601 literal or a valid Python expression")


def _ends_with_its_scope(event) -> bool:
    """Where a cycle may repeat without end: a non-interrupting boundary event or
    event-subprocess start event (it stops when its scope ends), or a timer start event
    of a process (each firing starts a new instance; a new version replaces it)."""
    kind, parent = local(event), event.getparent()
    if kind == "boundaryEvent":
        return event.get("cancelActivity", "true").strip().lower() == "false"
    if kind == "startEvent" and parent is not None and local(parent) == "process":
        return True
    return (kind == "startEvent" and parent is not None and local(parent) == "subProcess"
            and parent.get("triggeredByEvent", "false").strip().lower() == "true"
            and event.get("isInterrupting", "true").strip().lower() == "false")


def _check_condition(exprs: Expressions, el) -> None:
    subject = owner(el)
    language = (el.get("language") or "").strip().lower()
    if language not in _CONDITION_LANGUAGES:
        exprs.findings.error("unsupported-language",
                             f"{describe(subject)} has a {local(el)} in '{el.get('language')}'; conditions are "
                             "JUEL or Python", subject, el)
        return
    text = "".join(el.itertext())  # unstripped, so a syntax error's line stays exact
    if text.strip():
        exprs.either(text, subject, el, local(el))


def _check_cardinality(exprs: Expressions, el) -> None:
    subject, text = owner(el), text_of(el)
    if not text:
        return
    if is_juel(text):
        exprs.juel(text, subject, el, "loopCardinality")
        return
    value = _number(text)
    if value is None:
        # A variable or computation: the runtime caps the instance count.
        exprs.python(text, subject, el, "loopCardinality")
        return
    try:
        timers.check_cardinality(MAX_CARDINALITY + 1 if value == "huge" else value, MAX_CARDINALITY)
    except timers.CardinalityError as exc:
        exprs.findings.error(exc.code, f"{describe(subject)} has loopCardinality {_short(text)}: {exc}", subject, el)


def _has_loop_source(loop) -> bool:
    if (loop.get(camunda("collection")) or "").strip():
        return True
    return any(local(c) in ("loopCardinality", "loopDataInputRef") and text_of(c) for c in loop)


def _number(text: str):
    """The number a literal states, ``"huge"`` beyond any sane size, or ``None``."""
    stripped = text.strip().strip("\"'")
    if re.fullmatch(r"\d{10,}", stripped):
        return "huge"
    if len(stripped) > 64:
        return None
    try:
        value = ast.literal_eval(stripped)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if value == value and abs(value) < 1e12 else "huge"


#: Script languages Camunda runs that GovFlow does not: refused at deployment.
_OTHER_LANGUAGES = {"groovy", "javascript", "js", "ecmascript", "nashorn", "graal.js", "ruby", "jruby",
                    "xslt", "juel", "freemarker", "velocity", "kotlin", "java"}


def _check_script(exprs: Expressions, task) -> None:
    script_format = (task.get("scriptFormat") or "").strip().lower()
    script = task.find(bpmn("script"))
    source = "".join(script.itertext()) if script is not None else ""
    resource = task.get(camunda("resource"))
    if not source.strip():
        # The engine refuses a script task without an inline script.
        loaded = f" (camunda:resource '{resource}' is not supported)" if resource else ""
        exprs.findings.error("missing-script", f"{describe(task)} has no inline script{loaded}", task)
    elif script_format in _OTHER_LANGUAGES:
        exprs.findings.error("unsupported-script",
                             f"{describe(task)} is written in '{script_format}'; the platform runs scripts as "
                             "sandboxed Python, so it would fail on every run", task)
    elif script_format not in _PYTHON_SCRIPT_FORMATS:
        # An unknown label (SpiffWorkflow's own tests write e.g. 'reset') is run as Python.
        exprs.findings.warning("unknown-script-format",
                               f"{describe(task)} names script format '{script_format}'; it runs as Python", task)
        exprs.python(source, task, script, "script", mode="exec")
    else:
        exprs.python(source, task, script, "script", mode="exec")


def _check_camunda_attributes(exprs: Expressions, el) -> None:
    for attr in ("assignee", "candidateUsers", "collection"):
        value = el.get(camunda(attr))
        if is_juel(value):
            exprs.juel(value, el, el, f"camunda:{attr}")
    for entry in split_list(el.get(camunda("candidateGroups"))):
        if is_juel(entry):
            exprs.juel(entry, el, el, "camunda:candidateGroups")
    for attr in ("dueDate", "followUpDate"):
        if el.get(camunda(attr)) is not None:
            check_timer(exprs, attr, el.get(camunda(attr)), el, el)
    priority = el.get(camunda("priority"))
    if priority is not None:
        if is_juel(priority):
            exprs.juel(priority, el, el, "camunda:priority")
        elif not re.fullmatch(r"\s*-?\d{1,9}\s*", priority):
            exprs.findings.error("invalid-priority",
                                 f"{describe(el)} has camunda:priority '{_short(priority)}', which is neither a "
                                 "whole number nor an expression", el)
    expression = el.get(camunda("expression"))
    # On service, send and business rule tasks camunda:expression names the handler
    # (``${notify.send(case)}`` calls ``notify``) and is never evaluated, so it is the
    # handler rule's business, not the translator's.
    if expression is not None and local(el) not in _HANDLER_TASKS:
        subject = owner(el) if local(el).endswith("EventDefinition") else el
        if is_juel(expression):
            exprs.juel(expression, subject, el, "camunda:expression")
        elif local(el) == "messageEventDefinition" and expression.strip():
            # SpiffWorkflow's message payload: a Python expression over the task data.
            exprs.python(expression, subject, el, "camunda:expression")


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
