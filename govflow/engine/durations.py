"""ISO-8601 durations, date-times and cycles as Camunda writes them, with one meaning.

``P1M`` is one calendar month wherever it appears — timers, due and follow-up dates,
DMN outputs used as deadlines, the platform's own handlers — counted on the wall
clock of the configured time zone (settings ``TIMEZONE``), as Camunda (Joda-Time)
counts it in the server's zone: 31 January + P1M is 28 February, 1 March 09:00 + P1D
is 2 March 09:00 whatever the offsets in between. A date-time without an offset is a
wall-clock time in that zone. :func:`add_duration` is the one implementation; the
engine's timers are bound to it in :mod:`.clock`.
"""
from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .clock import now

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+(?:[.,]\d+)?)Y)?(?:(?P<months>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<weeks>\d+(?:[.,]\d+)?)W)?(?:(?P<days>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?$", re.IGNORECASE)
_CYCLE = re.compile(r"^R(\d*)/", re.IGNORECASE)
#: Anything longer is almost certainly a typo, and SpiffWorkflow iterates month by
#: month over a duration, so ``P99999999Y`` would hang the engine.
MAX_DURATION = timedelta(days=3660)


_zone: list[ZoneInfo] = [ZoneInfo("Asia/Shanghai")]


class DurationError(ValueError):
    """A timer or due-date literal cannot be used."""


def configure_zone(name: str) -> None:
    """The time zone whose calendar and wall clock durations and bare dates mean."""
    _zone[0] = ZoneInfo(name)


def zone() -> ZoneInfo:
    return _zone[0]


def duration_parts(text: str) -> dict[str, float]:
    """``P1M2DT3H`` → ``{"months": 1, "days": 2, "hours": 3}``; DurationError otherwise."""
    match = _DURATION.match(text.strip())
    if not match:
        raise DurationError(f"'{text}' is not an ISO-8601 duration such as P3D or PT24H")
    return {k: float(v.replace(",", ".")) for k, v in match.groupdict().items() if v}


def add_parts(start: datetime, parts: dict[str, float], sign: int = 1) -> datetime:
    """``start`` moved by ``parts`` (``sign`` -1: back): months and years on the calendar
    (the day clamped to the month's end), weeks and days on the wall clock of the
    configured zone, hours, minutes and seconds as elapsed time. Aware UTC result."""
    start = start if start.tzinfo else start.replace(tzinfo=UTC)
    local = start.astimezone(zone()).replace(tzinfo=None)
    months = parts.get("years", 0) * 12 + parts.get("months", 0)
    whole = int(months)
    index = local.year * 12 + local.month - 1 + sign * whole
    year, month = divmod(index, 12)
    local = local.replace(year=year, month=month + 1,
                          day=min(local.day, calendar.monthrange(year, month + 1)[1]))
    # A fraction of a month is that share of the month it falls in (Camunda refuses it).
    days = (months - whole) * calendar.monthrange(year, month + 1)[1]
    days += parts.get("weeks", 0) * 7 + parts.get("days", 0)
    local += sign * timedelta(days=days)
    moved = local.replace(tzinfo=zone()).astimezone(UTC)
    return moved + sign * timedelta(hours=parts.get("hours", 0), minutes=parts.get("minutes", 0),
                                    seconds=parts.get("seconds", 0))


def add_duration(start: datetime, text: str) -> datetime:
    """``start`` + the ISO duration ``text`` (``P1M`` is one calendar month); checked
    against :data:`MAX_DURATION`."""
    end = add_parts(start, duration_parts(text))
    if end - start.astimezone(UTC) > MAX_DURATION + timedelta(days=31):
        raise DurationError(f"duration '{text}' exceeds the limit of {MAX_DURATION.days} days")
    return end


def parse_duration(text: str) -> timedelta:
    """How long ``text`` lasts from now (``P1M`` from 31 January: 28 days); for lengths
    and limits. Deadlines use :func:`add_duration` from their own start."""
    start = now()
    return add_duration(start, text) - start


def parse_datetime(text: str) -> datetime:
    """An ISO date-time; without an offset, wall-clock time in the configured zone."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise DurationError(f"'{text}' is not an ISO-8601 date-time") from exc
    return value if value.tzinfo else value.replace(tzinfo=zone())


def is_literal(text: str) -> bool:
    """True for a bare ISO literal (``PT1H``, ``R3/PT1H``, ``2026-12-01T09:00``)."""
    text = text.strip()
    return bool(_DURATION.match(text) or _CYCLE.match(text)
                or re.match(r"^\d{4}-\d{2}-\d{2}", text))


def resolve_deadline(value, start: datetime) -> datetime:
    """A due date from an evaluated expression: duration text, date text or datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, timedelta):
        return start + value
    text = str(value).strip()
    if text.upper().startswith("P"):
        return add_duration(start, text)
    return parse_datetime(text)


def _from_start(parsed: dict, start: datetime | None = None) -> timedelta:
    start = start or now()
    return add_parts(start, parsed) - start


def _from_end(parsed: dict, end: datetime) -> timedelta:
    return end - add_parts(end, parsed, -1)


def _engine_datetime(expression: str) -> datetime:
    return parse_datetime(expression).astimezone(UTC)


# SpiffWorkflow counts a month as the days of the month the timer starts in, in UTC,
# and reads a bare date-time in the server's zone; its timers take ours instead, so a
# timer and a due date written alike fall due at the same instant.
TimerEventDefinition.get_timedelta_from_start = staticmethod(_from_start)
TimerEventDefinition.get_timedelta_from_end = staticmethod(_from_end)
TimerEventDefinition.get_datetime = staticmethod(_engine_datetime)
