"""Timer and due-date values: ISO-8601 literals, checked for sense as well as syntax.

A timer value is one of
- JUEL (``${deadline}``, ``P${days}D``): handed to the JUEL translator, checked at run time;
- a quoted Python string (``"PT1H"``, what SpiffWorkflow expects): the literal inside is checked;
- a bare ISO literal (``PT1H``, ``R3/PT10M``, ``2026-05-01T09:00:00+08:00``): checked;
- any other Python expression (``reminder_at``): must compile, checked at run time.

Bounds keep a typo from becoming a timer that never fires or fires constantly:
durations and cycle intervals up to 10 years (for this bound years count 365 days and
months 30; running timers count calendar months, see ``engine/durations.py``), dates at most 10 years ahead, cycles with an
explicit count of at most 1,000 repetitions and an interval of at least one minute.

The same functions check values computed at run time (:func:`check_value`), so that
``"R/" + "PT0S"`` is refused like ``R/PT0S`` (see ``engine/runtime_checks.py``).
"""
from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from croniter import croniter

MAX_DAYS = 3660
MAX_REPETITIONS = 1000
#: Shortest cycle interval (settings TIMER_MIN_INTERVAL); also the least time between
#: two firings of a cycle without end at run time (``engine/cycles.py``).
MIN_INTERVAL_SECONDS = 60

_NUMBER = r"(\d+(?:[.,]\d+)?)"
_DURATION = re.compile(
    rf"^P(?!$)(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$", re.IGNORECASE)
_DAYS_PER_UNIT = (365, 30, 7, 1, 1 / 24, 1 / 1440, 1 / 86400)
# What a literal (rather than a variable name) starts with: a duration, a cycle or a date.
_LITERAL_SHAPE = re.compile(r"^(?:P\d|PT\d|R\d*/|\d{4}-\d{2})", re.IGNORECASE)
# Quartz/cron as Camunda accepts it in timeCycle (engine/cycles.py runs it).
_CRON = re.compile(r"^[0-9*?/,\-LW#A-Z]+(?:\s+[0-9*?/,\-LW#A-Z]+){4,6}$", re.IGNORECASE)


class TimerError(ValueError):
    """A literal that cannot be used; ``code`` is the problem code to report."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code


def literal_of(text: str) -> str | None:
    """The ISO literal a value states, or ``None`` when it is an expression for run time.

    Raises :class:`TimerError` for a quoted non-string (``3600``) and for cron syntax.
    """
    value = text.strip()
    try:
        parsed = ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        parsed = None
    else:
        if isinstance(parsed, str):
            return parsed.strip()
        raise TimerError("invalid-timer", f"it is a {type(parsed).__name__}, not an ISO-8601 text")
    if _LITERAL_SHAPE.match(value):
        return value
    if _CRON.match(value):
        return value
    return None


def configure_min_interval(seconds: int) -> None:
    global MIN_INTERVAL_SECONDS
    MIN_INTERVAL_SECONDS = seconds


def duration_days(text: str) -> float:
    """Length of an ISO-8601 duration in days; raises for bad syntax or over 10 years."""
    match = _DURATION.match(text.strip())
    if not match:
        raise TimerError("invalid-timer", "it is not an ISO-8601 duration such as P3D or PT2H")
    days = sum(float(v.replace(",", ".")) * unit
               for v, unit in zip(match.groups(), _DAYS_PER_UNIT) if v)
    if not math.isfinite(days) or days > MAX_DAYS:
        raise TimerError("timer-too-long", "it is longer than the 10-year limit")
    return days


def parse_datetime(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise TimerError("invalid-timer", f"it is not an ISO-8601 date-time ({exc})") from None
    # The engine reads a naive time in TIMEZONE; for the bounds checked here hours do not matter.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def check_duration(text: str) -> None:
    duration_days(text)


def check_date(text: str) -> None:
    """A fixed date-time, at most 10 years ahead (year 9999 is a typo, not a plan)."""
    value = parse_datetime(text)
    if value - datetime.now(UTC) > timedelta(days=MAX_DAYS):
        raise TimerError("timer-too-long", "it lies more than 10 years ahead")


def check_due(text: str) -> None:
    """A due or follow-up date: a duration from task creation or a fixed date-time."""
    if text.strip().upper().startswith("P"):
        duration_days(text)
    else:
        check_date(text)


def check_cycle(text: str, endless_allowed: bool = False) -> None:
    """``R<n>/<duration>``, ``R<n>/<start>/<duration>``, ``R<n>/<duration>/<end>`` or
    ``R<n>/<start>/<end>``, with a count and an interval within bounds. A cycle without
    end (``R/PT1H``, Quartz cron) only where ``endless_allowed``: where something ends it
    (a non-interrupting boundary event or event-subprocess start, a process's timer start event)."""
    if _CRON.match(text.strip()) and len(text.split()) in (6, 7):
        _check_cron(text.strip())
        if not endless_allowed:
            raise TimerError("timer-cycle-unbounded", "a cron cycle repeats without end; use it on a "
                                                      "non-interrupting boundary event, a non-interrupting "
                                                      "event subprocess or a timer start event")
        return
    match = re.fullmatch(r"R(\d*)/(.+)", text.strip(), re.IGNORECASE)
    if not match:
        raise TimerError("invalid-timer", "a cycle must look like R10/PT1H or a Quartz cron "
                                          "(seconds minutes hours day-of-month month day-of-week [year])")
    count, rest = match.groups()
    if not count and not endless_allowed:
        raise TimerError("timer-cycle-unbounded",
                         f"it repeats without end; give a count of at most {MAX_REPETITIONS:,}, e.g. R10/PT1H "
                         "(R/PT1H is for non-interrupting boundary events and event subprocesses, "
                         "and timer start events)")
    count = count or "1"
    if len(count) > 6 or int(count) > MAX_REPETITIONS:
        raise TimerError("timer-cycle-too-many", f"it repeats {count} times; the limit is {MAX_REPETITIONS:,}")
    if int(count) == 0:
        raise TimerError("invalid-timer", "it repeats zero times")
    parts = rest.split("/")
    if len(parts) == 1:
        seconds = duration_days(parts[0]) * 86400
    elif len(parts) == 2 and parts[0].upper().startswith("P"):
        seconds = duration_days(parts[0]) * 86400
        check_date(parts[1])
    elif len(parts) == 2 and parts[1].upper().startswith("P"):
        check_date(parts[0])
        seconds = duration_days(parts[1]) * 86400
    elif len(parts) == 2:
        seconds = (parse_datetime(parts[1]) - parse_datetime(parts[0])).total_seconds()
    else:
        raise TimerError("invalid-timer", "a cycle has at most a start, an interval and an end")
    if seconds < MIN_INTERVAL_SECONDS:
        raise TimerError("timer-cycle-too-frequent", f"its interval is shorter than {_min_interval_words()}")


def _min_interval_words() -> str:
    return "one minute" if MIN_INTERVAL_SECONDS == 60 else f"{MIN_INTERVAL_SECONDS} s"


def _check_cron(text: str) -> None:
    start = datetime(2026, 1, 1)
    try:
        runs = croniter(text, start, second_at_beginning=True)
        first, second = runs.get_next(datetime), runs.get_next(datetime)
    except (ValueError, KeyError, TypeError) as exc:  # croniter's own errors are ValueErrors
        raise TimerError("invalid-timer", f"it is not a Quartz cron expression ({exc})") from None
    if (second - first).total_seconds() < MIN_INTERVAL_SECONDS:
        raise TimerError("timer-cycle-too-frequent", f"it fires more often than every {_min_interval_words()}")


#: The literal check for each kind of timer value.
CHECKS: dict[str, Callable[[str], None]] = {
    "timeDuration": check_duration,
    "timeDate": check_date,
    "timeCycle": check_cycle,
    "dueDate": check_due,
    "followUpDate": check_due,
}


def check_value(kind: str, value, endless_allowed: bool = False) -> None:
    """Check a timer value computed at run time by the rule of ``kind`` (a key of CHECKS).

    The engine accepts a date-time or a text; anything else is refused here too.
    """
    if isinstance(value, (datetime, date)):
        value = value.isoformat()
    if not isinstance(value, str):
        raise TimerError("invalid-timer", f"it is a {type(value).__name__}, not an ISO-8601 text")
    if kind == "timeCycle":
        check_cycle(value, endless_allowed)
    else:
        CHECKS[kind](value)


class CardinalityError(TimerError):
    """A multi-instance count the platform refuses."""


def check_cardinality(value, limit: int) -> None:
    """A multi-instance count: a whole number from 0 to ``limit`` (MAX_MULTI_INSTANCE)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != int(value):
        raise CardinalityError("invalid-cardinality", f"{value!r:.60} is not a whole number of instances")
    if value > limit:
        raise CardinalityError("cardinality-too-large", f"more than {limit:,} instances are refused")
