"""Human tasks: the indexed table every worklist, count and export reads."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import PATH_TYPE, Model
from ..timeutil import utcnow


class TaskStatus(str, enum.Enum):
    open = "open"
    completed = "completed"
    cancelled = "cancelled"


class DelegationState(str, enum.Enum):
    """委派, as Camunda 7 names it: the delegate works the task while it is
    ``pending`` and hands it back (``resolved``); only the owner completes it."""
    pending = "pending"
    resolved = "resolved"
    #: 加签: a co-signer holds the task (task_cosigns); nobody else may work it meanwhile.
    cosigning = "cosigning"


class HumanTask(Model):
    __tablename__ = "human_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    engine_task_id: Mapped[str] = mapped_column(String(36), unique=True)
    element_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    process_key: Mapped[str] = mapped_column(String(120))
    business_key: Mapped[str | None] = mapped_column(String(120))
    title: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.open.value)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Copy of the instance's is_trial: a trial's task is offered to the trial's starter
    #: only (candidate_users), whatever roles the diagram names.
    is_trial: Mapped[bool] = mapped_column(default=False, server_default=false())
    candidate_groups: Mapped[list] = mapped_column(JSON, default=list)
    candidate_users: Mapped[list] = mapped_column(JSON, default=list)
    scope_org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    #: Copy of the scope unit's path: the jurisdiction rule compares prefixes.
    scope_path: Mapped[str] = mapped_column(PATH_TYPE)
    due_at: Mapped[datetime | None]
    follow_up_at: Mapped[datetime | None]
    priority: Mapped[int] = mapped_column(default=50)
    form_key: Mapped[str | None] = mapped_column(String(120))
    form_fields: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: None (never delegated) or a DelegationState; the owner is in task_delegations.
    delegation_state: Mapped[str | None] = mapped_column(String(16))
    assignee = relationship("User", foreign_keys=[assignee_id])
    candidates: Mapped[list[TaskCandidate]] = relationship(cascade="all, delete-orphan",
                                                              passive_deletes=True)

    @property
    def is_delegated(self) -> bool:
        return self.delegation_state == DelegationState.pending.value


# Open tasks are a small share of all rows: partial indexes keep the hot lists small.

Index("ix_tasks_open_assignee", HumanTask.assignee_id, HumanTask.due_at,
      sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'"))
Index("ix_tasks_instance", HumanTask.instance_id, HumanTask.status)
Index("ix_tasks_completed_by", HumanTask.completed_by_id, HumanTask.completed_at)


class TaskCandidate(Model):
    """One row per open task and candidate (role at scope, or named user).

    Rows exist only while the task is open, so the jurisdiction query scans a
    table the size of today's work, not of all history.
    """
    __tablename__ = "task_candidates"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"), index=True)
    role: Mapped[str | None] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scope_path: Mapped[str] = mapped_column(PATH_TYPE)
    due_at: Mapped[datetime | None]


Index("ix_candidates_role_path", TaskCandidate.role, TaskCandidate.scope_path)
Index("ix_candidates_user", TaskCandidate.user_id)
