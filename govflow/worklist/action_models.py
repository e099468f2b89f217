"""What the staff actions keep beyond the task table: delegations, copies and co-signatures."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
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


class CosignPosition(str, enum.Enum):
    """加签: ``before`` — the signer signs first, then the task comes back to its holder;
    ``after`` — once the holder completes, the signer signs before the process goes on."""
    before = "before"
    after = "after"


class CosignState(str, enum.Enum):
    #: An ``after`` signature whose turn has not come (the holder has not completed yet).
    waiting = "waiting"
    #: The signer holds the task now.
    signing = "signing"
    signed = "signed"
    refused = "refused"


class TaskCosign(Model):
    """加签: one signature asked of a co-signer on a human task.

    The engine knows nothing of it: the task stays one engine task, and it is
    completed in the engine only when every ``after`` signature is in. While a
    signature is ``signing`` the signer is the task's assignee and the task's
    delegation state is ``cosigning`` (its holder can do nothing but wait).
    """
    __tablename__ = "task_cosigns"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"))
    #: Who asked for the signature, and gets the task back (before) or completed it (after).
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    position: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(12))
    #: ``after``: the holder's validated form values and 审批意见, completed once all signed.
    held_values: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    signed_at: Mapped[datetime | None]
    comment: Mapped[str | None] = mapped_column(Text)


Index("ix_cosigns_task", TaskCosign.task_id, TaskCosign.state)
