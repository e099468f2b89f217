"""The engine's clock.

SpiffWorkflow's timer events read ``datetime.now(timezone.utc)`` directly. The
worker's ``--now`` option (drills, tests) and deterministic due dates need one
clock the whole platform agrees on, so the timer module's ``datetime`` name is
bound to a subclass whose ``now()`` consults a context variable.
"""
from __future__ import annotations

import contextlib
import contextvars
from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer_module

_frozen: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("govflow_now", default=None)


class _ClockDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        frozen = _frozen.get()
        if frozen is None:
            return datetime.now(tz)
        return frozen.astimezone(tz) if tz else frozen.replace(tzinfo=None)


_timer_module.datetime = _ClockDatetime


def now() -> datetime:
    """Current UTC time, or the instant set by :func:`frozen_at`."""
    return _frozen.get() or datetime.now(UTC)


@contextlib.contextmanager
def frozen_at(instant: datetime | None):
    """Make :func:`now` (and engine timers) read ``instant`` inside the block."""
    if instant is not None and instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    token = _frozen.set(instant)
    try:
        yield
    finally:
        _frozen.reset(token)
