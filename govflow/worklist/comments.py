"""审批意见 on a task outside completing it (Camunda's task comments).

A comment is an audit event (``task_commented``) of the task's instance, so the
history, the task page and every door see it without a table of its own; listing
a task's comments lists every event of the task that carries one (the 意见 given
when completing, transferring, returning … included).
"""
from __future__ import annotations

from sqlalchemy import func, select

from ..errors import Forbidden
from ..extensions import db
from ..identity.access import Principal
from ..instances.models import InstanceEvent
from ..instances.runtime import changing
from .actions import get_readable_task
from .rules import COMMENTED, clean_comment, require_valid

KIND = COMMENTED


def add_comment(p: Principal, task_id: int, message: str | None) -> InstanceEvent:
    """Add ``message`` (required, at most rules.COMMENT_MAX) to the task; returns the event.

    Raises NotFound (the task is not readable), Forbidden (read through a copy only:
    a copy grants reading, not taking part), ValidationFailed (``message``).
    """
    task, copy = get_readable_task(task_id, p)
    if copy is not None:
        raise Forbidden("a copy (抄送) lets you read the task, not comment on it")
    errors: dict = {}
    message = clean_comment(message, errors, required=True, field="message")
    require_valid(errors, "the comment is not acceptable")
    # A comment changes no state, so a suspended or ended case still takes one.
    with changing(task.instance_id, p.user_id, require_active=False) as change:
        change.keep_engine_state()
        change.record(KIND, task.element_id, task.id, comment=message)
    return db.session.get_one(InstanceEvent, db.session.scalar(select(func.max(InstanceEvent.id)).where(
        InstanceEvent.task_id == task.id, InstanceEvent.kind == KIND, InstanceEvent.actor_id == p.user_id)))


def task_comments(p: Principal, task_id: int) -> list[InstanceEvent]:
    """Every event of a task ``p`` may read that carries a comment, oldest first."""
    task, _copy = get_readable_task(task_id, p)
    return list(db.session.scalars(select(InstanceEvent).where(
        InstanceEvent.instance_id == task.instance_id, InstanceEvent.task_id == task.id,
        InstanceEvent.comment.is_not(None)).order_by(InstanceEvent.id)))
