"""Every problem code the lint can emit, with what it means.

Codes are a stable interface: the designer UI and integrators key on them, so a code
is never renamed or reused for another meaning. Severity is fixed per code.
"""
from __future__ import annotations

#: code → (severity, meaning)
CODES: dict[str, tuple[str, str]] = {
    # safety: the file is refused before its content is looked at
    "too-large": ("error", "the file exceeds the size limit; refused before parsing"),
    "doctype-forbidden": ("error", "a DOCTYPE or ENTITY declaration (XXE, entity expansion)"),
    "too-deep": ("error", "elements nest deeper than the limit"),
    "too-many-elements": ("error", "more elements than the limit"),
    "malformed-xml": ("error", "not well-formed XML; the parser's message and line"),
    "wrong-root": ("error", "the root is not a BPMN or DMN <definitions>"),
    # structure
    "duplicate-id": ("error", "an id used twice in one file"),
    "too-long": ("error", "an id or message name over 120 characters, an element name over 200"),
    "reserved-id": ("error", "an id the engine names its own steps with (Start, End, Root, *.EndJoin…)"),
    "unsupported-element": ("error", "an element Camunda 7 does not execute (ad-hoc subprocess, complex gateway)"),
    "duplicate-process-id": ("error", "a process id defined in two files of one deployment"),
    "duplicate-decision-id": ("error", "a decision id defined in two files of one deployment"),
    "missing-reference": ("error", "a required reference (sourceRef, targetRef, attachedToRef) is absent"),
    "dangling-reference": ("error", "a reference to an id that does not exist or is of the wrong kind"),
    "cross-scope-flow": ("error", "a sequence flow between different processes or subprocesses"),
    "missing-event-definition": ("error", "a boundary event without a trigger"),
    "default-flow-mismatch": ("error", "a default flow that does not leave its element"),
    "dangling-di-reference": ("warning", "a diagram shape or edge for an element that does not exist"),
    "dangling-lane-reference": ("warning", "a lane listing an element that does not exist"),
    "flow-list-mismatch": ("warning", "incoming/outgoing children contradict the sequence flows"),
    "no-executable-process": ("error", "a BPMN file with nothing that can be started"),
    "no-start-event": ("error", "an executable process without a start event"),
    "subprocess-start-event": ("error", "an embedded subprocess without exactly one start event"),
    "subprocess-end-event": ("error", "retired: a subprocess without an end event now ends when no token is left"),
    "missing-called-element": ("error", "a call activity that calls nothing"),
    "unknown-called-element": ("error", "a call activity calling a process neither deployed nor deploying"),
    "unsupported-binding": ("error", "camunda:calledElementBinding other than latest, deployment or version"),
    "invalid-called-version": ("error", "a call bound to a version without a version number"),
    "unknown-called-version": ("error", "a call bound to a version of a process that was never deployed"),
    "unknown-decision": ("error", "a camunda:decisionRef to a decision neither deployed nor deploying"),
    # Camunda dialect
    "unknown-role": ("error", "camunda:candidateGroups names a role the platform does not have"),
    "unknown-form": ("error", "camunda:formKey names a form the platform does not have"),
    "invalid-form": ("error", "a Camunda Form (.form) with a component, pattern or condition the server cannot check"),
    "unknown-form-ref": ("error", "a camunda:formRef or camunda-forms: formKey naming a form neither deployed nor deploying"),
    "unknown-form-field-type": ("error", "a camunda:formField type that is neither built in nor known (textarea)"),
    "unknown-handler": ("error", "a service task names a handler the platform does not have"),
    "no-implementation": ("error", "a service, send or business rule task that names nothing to run"),
    "unsupported-connector": ("error", "a service task implemented by a Camunda connector"),
    "unassigned-task": ("warning", "a user task without candidate groups, users or assignee"),
    # expressions and scripts
    "untranslatable-expression": ("error", "JUEL the translator refuses"),
    "python-syntax": ("error", "a Python condition, expression or script that does not compile"),
    "unsafe-code": ("error", "a script or condition the sandbox refuses (imports, dunders, eval…)"),
    "unsupported-language": ("error", "a condition in a language other than JUEL or Python"),
    "invalid-priority": ("error", "camunda:priority that is neither a whole number nor an expression"),
    "missing-script": ("error", "a script task without an inline script"),
    "unsupported-script": ("error", "a script in a language Camunda runs but GovFlow does not (Groovy, JavaScript…)"),
    "unknown-script-format": ("warning", "a script format label GovFlow does not know; the script runs as Python"),
    # timers and multi-instance
    "invalid-timer": ("error", "an unparsable timer or due date (cron, bad ISO-8601, empty)"),
    "timer-too-long": ("error", "a duration longer than 10 years"),
    "timer-cycle-unbounded": ("error", "a cycle without a repetition count"),
    "timer-cycle-too-many": ("error", "a cycle of more than 1,000 repetitions"),
    "timer-cycle-too-frequent": ("error", "a cycle interval under one minute"),
    "cardinality-too-large": ("error", "a literal loopCardinality above 1,000"),
    "invalid-cardinality": ("error", "a literal loopCardinality that is negative or fractional"),
    "missing-cardinality": ("error", "multi-instance without loopCardinality or collection"),
    # graph
    "unreachable": ("warning", "flow nodes no start, boundary or event subprocess leads to"),
    "dead-end": ("warning", "a path that stops at something other than an end event"),
    "condition-can-miss": ("warning", "a gateway with unconditioned flows and no default"),
    "unconditioned-flow": ("error", "a non-default flow without condition out of an exclusive gateway"),
    "multiple-outgoing": ("error", "retired: several outgoing flows from an activity or event now split in parallel"),
    # DMN
    "missing-id": ("error", "a decision without an id"),
    "invalid-hit-policy": ("error", "a hitPolicy or aggregation DMN does not define"),
    "unsupported-hit-policy": ("warning", "a hit policy the engine evaluates like FIRST or plain COLLECT"),
    "rule-arity": ("error", "a rule whose cells do not match the table's inputs and outputs"),
    "unsupported-decision": ("error", "a decision that is not a decision table"),
    "several-decisions": ("error", "a .dmn file with more than one decision (the engine reads one per file)"),
}
