"""Timestamps: stored as naive UTC (SQLite has no time zones), handled as aware UTC."""
from datetime import UTC, datetime


def utcnow() -> datetime:
    from .engine import clock
    return clock.now().astimezone(UTC).replace(tzinfo=None)


def to_naive_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def as_aware(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)
