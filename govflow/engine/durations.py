"""ISO-8601 durations, date-times and cycles as Camunda writes them."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+(?:[.,]\d+)?)Y)?(?:(?P<months>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<weeks>\d+(?:[.,]\d+)?)W)?(?:(?P<days>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?$", re.IGNORECASE)
_CYCLE = re.compile(r"^R(\d*)/", re.IGNORECASE)
#: Anything longer is almost certainly a typo, and SpiffWorkflow iterates month by
#: month over a duration, so ``P99999999Y`` would hang the engine.
MAX_DURATION = timedelta(days=3660)


class DurationError(ValueError):
    """A timer or due-date literal cannot be used."""


def parse_duration(text: str) -> timedelta:
    """``P3D`` → 3 days; months count 30 days and years 365 for deadlines."""
    match = _DURATION.match(text.strip())
    if not match:
        raise DurationError(f"'{text}' is not an ISO-8601 duration such as P3D or PT24H")
    parts = {k: float(v.replace(",", ".")) for k, v in match.groupdict().items() if v}
    days = parts.get("years", 0) * 365 + parts.get("months", 0) * 30 + parts.get("weeks", 0) * 7
    days += parts.get("days", 0)
    if days > MAX_DURATION.days:
        raise DurationError(f"duration '{text}' exceeds the limit of {MAX_DURATION.days} days")
    return timedelta(days=days, hours=parts.get("hours", 0), minutes=parts.get("minutes", 0),
                     seconds=parts.get("seconds", 0))


def parse_datetime(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise DurationError(f"'{text}' is not an ISO-8601 date-time") from exc
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def is_literal(text: str) -> bool:
    """True for a bare ISO literal (``PT1H``, ``R3/PT1H``, ``2026-12-01T09:00``)."""
    text = text.strip()
    return bool(_DURATION.match(text) or _CYCLE.match(text)
                or re.match(r"^\d{4}-\d{2}-\d{2}", text))


def resolve_deadline(value, start: datetime) -> datetime:
    """A due date from an evaluated expression: duration text, date text or datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, timedelta):
        return start + value
    text = str(value).strip()
    if text.upper().startswith("P"):
        return start + parse_duration(text)
    return parse_datetime(text)
