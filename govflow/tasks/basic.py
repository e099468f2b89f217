"""General-purpose handlers every process may use."""
from __future__ import annotations

from . import HandlerContext, handler


@handler("noop")
def noop(ctx: HandlerContext) -> None:
    """Does nothing; for diagrams under construction and tests."""
    return None


@handler("fail")
def fail(ctx: HandlerContext) -> dict:
    """Always fails unless ``allow_pass`` is set: exercises incidents and retries."""
    if not ctx.variables.get("allow_pass"):
        raise RuntimeError(ctx.properties.get("message", "this step fails on purpose"))
    return {"fail_passed": True}


@handler("count_reminder")
def count_reminder(ctx: HandlerContext) -> dict:
    """Counts reminders sent for a task (periodic timers in drills and tests)."""
    return {"reminders": int(ctx.variables.get("reminders") or 0) + 1}
