"""The lint's rules, applied to values computed while a process runs.

The lint checks timer literals and literal cardinalities at deployment; an expression
(``"R/" + "PT0S"``, ``deadline_year``, ``len(items) * 10**6``) is only known when it is
evaluated. SpiffWorkflow evaluates a timer definition's ``expression`` and a multi-
instance's ``cardinality`` through the script engine, so :func:`check_evaluated` sees
each value there, before the engine creates a timer or an instance from it, and checks
it with the lint's own functions (:mod:`.lint.timers`). A refusal is a
:class:`RuntimeValueRefused`, which fails the task: an incident naming the element.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
)

from .lint import timers

_TIMER_KINDS = ((CycleTimerEventDefinition, "timeCycle"), (DurationTimerEventDefinition, "timeDuration"),
                (TimeDateEventDefinition, "timeDate"))


class RuntimeValueRefused(ValueError):
    """A computed timer value or instance count breaks a deployment rule; ``code`` is the
    lint's problem code (``timer-cycle-unbounded``, ``cardinality-too-large`` …)."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code


def check_evaluated(task_spec, expression: str, value, max_multi_instance: int) -> None:
    """Raise RuntimeValueRefused when ``value``, just computed from ``expression`` for
    ``task_spec``, is a timer value or cardinality the lint would refuse as a literal."""
    try:
        for definition in _event_definitions(task_spec):
            kind = next((kind for cls, kind in _TIMER_KINDS if isinstance(definition, cls)), None)
            if kind and definition.expression == expression:
                timers.check_value(kind, value, endless_allowed=_ends_with_its_scope(task_spec))
        if getattr(task_spec, "cardinality", None) == expression:
            # Camunda's loopCardinality may also yield the collection to iterate over.
            size = len(value) if isinstance(value, (list, tuple, dict, set, frozenset)) else value
            timers.check_cardinality(size, max_multi_instance)
    except timers.TimerError as exc:
        raise RuntimeValueRefused(exc.code, f"the computed value {value!r:.80} is refused: {exc}") from None


def _ends_with_its_scope(task_spec) -> bool:
    """The run-time twin of the lint's rule: a non-interrupting boundary event may
    repeat without end (it stops with its activity), and so may a start event: inside
    an instance it is one of an event subprocess, which stops with its scope (the
    engine does not tell it from a called process's, which stops with its call
    activity); a process's own timer start events are jobs, not waits."""
    return (isinstance(task_spec, BoundaryEvent) and not task_spec.cancel_activity) \
        or isinstance(task_spec, StartEvent)


def _event_definitions(task_spec) -> list:
    definition = getattr(task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [definition] if definition is not None else []
