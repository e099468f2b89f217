"""Cycle timers as Camunda runs them: ISO repeating intervals and Quartz cron.

SpiffWorkflow reads a ``timeCycle`` as an ISO repeating interval only, steps it by a
fixed number of seconds (so ``R/P1M`` drifts off the calendar) and, after a long stop,
fires every missed repetition. Here a cycle is scheduled by :func:`first_firing` and
:func:`next_firing`:

- ``R3/PT1H``, ``R3/2026-01-01T09:00/P1D``: the interval is added on the calendar of the
  configured zone (:mod:`.durations`), from the start date when there is one;
- ``0 0 9 ? * MON-FRI`` (6 or 7 fields, Quartz's syntax, via croniter): the next
  matching wall-clock time in the configured zone, without end;
- a cycle without end (``R/PT1H``, cron) keeps one pending firing: after it fires, the
  next one lies after *now*, so a worker that was stopped for a day fires it once, not
  24 times. Its firings are at least ``TIMER_MIN_INTERVAL`` seconds apart whatever it says.

Where such a cycle may stand (non-interrupting boundary events, event subprocesses)
is the lint's business (:mod:`.lint.timers`).
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from croniter import croniter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition

from . import durations
from .clock import now
from .lint import timers as rules

_ISO = re.compile(r"^R(\d*)/(.+)$", re.IGNORECASE)


def is_cron(text: str) -> bool:
    """Six or seven space-separated fields: Quartz's seconds-first cron."""
    return len(text.split()) in (6, 7) and not _ISO.match(text.strip())


def cron_after(expression: str, instant: datetime) -> datetime:
    """The first time after ``instant`` the cron ``expression`` matches, on the zone's wall clock."""
    local = instant.astimezone(durations.zone()).replace(tzinfo=None)
    following = croniter(expression, local, second_at_beginning=True).get_next(datetime)
    return following.replace(tzinfo=durations.zone()).astimezone(UTC)


def first_firing(expression: str, start: datetime) -> dict:
    """The schedule of a cycle evaluated at ``start``: ``cycles`` left (-1: without end),
    ``next`` (ISO) and how to step it (``cron``, ``interval`` or ``duration`` seconds)."""
    text = expression.strip()
    if is_cron(text):
        return {"cycles": -1, "cron": text, "next": cron_after(text, start).isoformat()}
    match = _ISO.match(text)
    parts = match.group(2).split("/") if match else []
    if match and (len(parts) == 1 or (len(parts) == 2 and parts[1].upper().startswith("P"))):
        interval = parts[-1]
        begin = durations.parse_datetime(parts[0]) if len(parts) == 2 else durations.add_duration(start, interval)
        return {"cycles": int(match.group(1)) if match.group(1) else -1, "interval": interval,
                "next": begin.astimezone(UTC).isoformat()}
    # A cycle given by its end (R3/PT1H/2027-01-01T00:00): SpiffWorkflow's own reading.
    cycles, begin, duration = TimerEventDefinition.parse_iso_recurring_interval(text)
    return {"cycles": cycles, "next": begin.isoformat(), "duration": duration.total_seconds()}


def next_firing(schedule: dict, fired: datetime, current: datetime) -> datetime:
    """When the cycle fires after its firing due at ``fired``, seen at ``current``."""
    endless = schedule["cycles"] < 0
    if "cron" in schedule:
        following = cron_after(schedule["cron"], max(fired, current))
    elif "interval" in schedule:
        following = durations.add_duration(fired, schedule["interval"])
        if endless and following <= current:
            # Missed repetitions are skipped: one pending firing at a time.
            following = durations.add_duration(current, schedule["interval"])
    else:
        following = fired + timedelta(seconds=schedule["duration"])
    return max(following, current + timedelta(seconds=rules.MIN_INTERVAL_SECONDS)) if endless else following


def _cycle_complete(self, my_task) -> bool:
    """SpiffWorkflow's hook: True when a repetition is due (its path starts); when no
    repetition is left the timer is done."""
    schedule = my_task._get_internal_data("event_value")
    current = now()
    if schedule is None:
        text = str(my_task.workflow.script_engine.evaluate(my_task, self.expression))
        schedule = {**first_firing(text, current), "text": text}
    due = False
    if schedule["cycles"] != 0:
        fired = datetime.fromisoformat(schedule["next"])
        if fired <= current:
            schedule["next"] = next_firing(schedule, fired, current).isoformat()
            schedule["cycles"] = max(schedule["cycles"] - 1, -1)
            due = True
            schedule = _reevaluated(self, my_task, schedule, current)
    else:
        my_task.internal_data.pop("event_value", None)
        my_task.internal_data["event_fired"] = True
        return False
    my_task._set_internal_data(event_value=schedule)
    return due


def _reevaluated(definition, my_task, schedule: dict, current: datetime) -> dict:
    """Camunda's ``reevaluateTimerCycleWhenDue``: when a repetition fires, the cycle's
    expression is evaluated again; if it now says something else (a variable changed,
    e.g. by an administrator), the next firings follow the new cycle from now."""
    if "text" not in schedule:  # scheduled before the text was kept: keep it from now on
        return schedule
    # A waiting event re-inherits its parent's data on every update (SpiffWorkflow), so
    # the case's current data is that of the activity a boundary event is attached to.
    siblings = my_task.parent.children if my_task.parent is not None else []
    current_data = next((t for t in siblings if t is not my_task and not hasattr(t.task_spec, "event_definition")),
                        my_task)
    try:
        text = str(my_task.workflow.script_engine.evaluate(current_data, definition.expression))
    except Exception:  # noqa: BLE001 - the cycle that was valid stays; the next firing is not lost
        return schedule
    if text.strip() == schedule["text"].strip():
        return schedule
    return {**first_firing(text, current), "text": text}


CycleTimerEventDefinition.cycle_complete = _cycle_complete
