"""What the staff actions keep beyond the task table: delegations and copies."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow


class TaskDelegation(Model):
    """委派: the owner lent the task to a delegate, who resolves it back.

    While ``resolved_at`` is empty the delegate is the task's assignee and may
    only resolve it; completing stays with the owner (Camunda's delegation
    state PENDING → RESOLVED).
    """
    __tablename__ = "task_delegations"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


Index("ix_delegations_task", TaskDelegation.task_id, TaskDelegation.resolved_at)


class TaskCopy(Model):
    """抄送: a task shown to a user for information; they may read it, not work it."""
    __tablename__ = "task_copies"
    __table_args__ = (UniqueConstraint("task_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"))
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    copied_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


Index("ix_copies_user", TaskCopy.user_id, TaskCopy.created_at)
