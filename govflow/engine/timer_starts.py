"""Timer start events: the schedule by which a deployed process starts instances itself.

In Camunda a timer start event of a process is a job of its definition, not a wait
inside an instance: at each due time the job starts a new instance from that start
event. This module reads such events from a process's XML and computes their
schedules; ``definitions/timer_starts.py`` keeps one job row per event and the worker
fires them. A schedule is a dict stored with the job:

- ``timeDate``: once, at that date-time (at once if it has passed);
- ``timeDuration``: once, that long after the deployment;
- ``timeCycle``: as :mod:`.cycles` steps it (``R3/PT1H`` three times, ``R/PT1H`` and
  cron without end, one pending firing at a time, at least ``TIMER_MIN_INTERVAL`` apart).

Values are literals or expressions; an expression is evaluated in the sandbox over no
data (a process that has not started has none) when the job is scheduled.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree
from SpiffWorkflow.bpmn.specs.control import BpmnStartTask, StartEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.util.task import TaskState

from . import cycles, durations
from .lint import timers as rules
from .parser import parse_xml

_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
_KINDS = ("timeDate", "timeDuration", "timeCycle")
#: The ``camunda:property`` of a timer start event that names the org unit its instances belong to.
ORG_UNIT_PROPERTY = "org_unit"


class TimerStartError(ValueError):
    """A timer start event whose value cannot be scheduled; names the element."""

    def __init__(self, element_id: str, line: int | None, reason: str):
        super().__init__(reason)
        self.element_id, self.line = element_id, line


@dataclass(frozen=True)
class TimerStart:
    element_id: str
    kind: str
    expression: str
    #: Org unit code from ``camunda:property name="org_unit"``, if the event names one.
    org_unit: str | None
    line: int | None


def timer_start_events(data: bytes, process_id: str) -> list[TimerStart]:
    """The timer start events directly in process ``process_id`` (not those of event
    subprocesses, which start inside a running instance)."""
    root = parse_xml(data)
    found = []
    for process in root.iter(f"{_BPMN}process"):
        if process.get("id") != process_id:
            continue
        for event in process.findall(f"{_BPMN}startEvent"):
            definition = event.find(f"{_BPMN}timerEventDefinition")
            if definition is None:
                continue
            value = next((c for c in definition if isinstance(c.tag, str) and etree.QName(c).localname in _KINDS),
                         None)
            if value is None:
                continue
            found.append(TimerStart(event.get("id"), etree.QName(value).localname, (value.text or "").strip(),
                                    _property(event, ORG_UNIT_PROPERTY), event.sourceline))
    return found


def first_schedule(start: TimerStart, evaluate, deployed_at: datetime) -> dict:
    """The schedule of ``start`` as deployed at ``deployed_at``; ``evaluate(expression)``
    computes a value that is not a literal. Raises TimerStartError."""
    try:
        literal = rules.literal_of(start.expression)
        value = literal if literal is not None else evaluate(start.expression)
        if isinstance(value, datetime):
            value = value.isoformat()
        rules.check_value(start.kind, value, endless_allowed=True)
        if start.kind == "timeDate":
            due = durations.parse_datetime(value)
            return {"cycles": 1, "next": due.astimezone(UTC).isoformat()}
        if start.kind == "timeDuration":
            return {"cycles": 1, "next": durations.add_duration(deployed_at, value).astimezone(UTC).isoformat()}
        return cycles.first_firing(value, deployed_at)
    except (rules.TimerError, durations.DurationError, ValueError, TypeError) as exc:
        raise TimerStartError(start.element_id, start.line,
                              f"timer start event '{start.element_id}' has {start.kind} "
                              f"'{start.expression[:80]}': {exc}") from None


def due_at(schedule: dict) -> datetime:
    """When the schedule fires next (UTC, naive, as the database stores instants)."""
    return datetime.fromisoformat(schedule["next"]).astimezone(UTC).replace(tzinfo=None)


def after_firing(schedule: dict, current: datetime) -> dict | None:
    """The schedule once its due firing happened at ``current``; None when none is left."""
    left = schedule["cycles"] - 1 if schedule["cycles"] > 0 else -1
    if left == 0:
        return None
    fired = datetime.fromisoformat(schedule["next"])
    return {**schedule, "cycles": left, "next": cycles.next_firing(schedule, fired, current).isoformat()}


def _property(event, name: str) -> str | None:
    for prop in event.iter(f"{_CAMUNDA}property"):
        if prop.get("name") == name and (prop.get("value") or "").strip():
            return prop.get("value").strip()
    return None


def enter_by(workflow, element_id: str | None) -> None:
    """Make a new ``workflow`` start as Camunda starts it.

    ``element_id``: the timer start event whose job starts it; that event counts as
    fired at once and the other start events are withdrawn (they would wait for their
    own timers or messages, or start a second path). ``None`` (a person or system
    starts it): timer start events are withdrawn when a start event without a timer
    is there to take; a process that starts only by timers starts by its first one.
    Start events of event subprocesses are not touched.
    """
    if element_id is None and not any(isinstance(spec, StartEvent) and isinstance(spec.event_definition,
                                                                                   TimerEventDefinition)
                                      for spec in workflow.spec.task_specs.values()):
        return
    starts: list = []
    for _ in range(4):
        starts = [t for t in workflow.get_tasks(spec_class=StartEvent) if t.workflow is workflow]
        if starts and all(t.parent.has_state(TaskState.COMPLETED) for t in starts):
            break  # predicted until the split before them has run
        ready = [t for t in workflow.get_tasks(state=TaskState.READY)
                 if t.workflow is workflow and isinstance(t.task_spec, (BpmnStartTask, StartEventSplit))]
        if not ready:
            return
        ready[0].run()
    timed = [t for t in starts if isinstance(t.task_spec.event_definition, TimerEventDefinition)]
    if element_id is None:
        if not timed:
            return
        untimed = [t for t in starts if t not in timed]
        if untimed:
            for task in timed:
                if not task.has_state(TaskState.FINISHED_MASK):
                    task.cancel()
            return
        element_id = timed[0].task_spec.bpmn_id
    if not any(t.task_spec.bpmn_id == element_id for t in starts):
        raise ValueError(f"'{element_id}' is not a start event of the process")
    for task in starts:
        if task.task_spec.bpmn_id == element_id:
            _fire_once(task)
        elif not task.has_state(TaskState.FINISHED_MASK):
            task.cancel()


def _fire_once(task) -> None:
    """Let the start event ``task`` pass once. A cycle's event makes its path itself each
    time it fires (SpiffWorkflow predicts none), so that path is made here as the cycle
    would make it; then the event is done."""
    if isinstance(task.task_spec.event_definition, CycleTimerEventDefinition):
        for output in task.task_spec.outputs:
            child = task._add_child(output, TaskState.FUTURE)
            child.task_spec._predict(child, mask=TaskState.NOT_FINISHED_MASK)
            child.task_spec._update(child)
    task._set_internal_data(event_fired=True)
