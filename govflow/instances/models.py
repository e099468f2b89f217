"""Process instances, their saved engine state, audit trail and incidents."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import PATH_TYPE, Model
from ..timeutil import utcnow


class InstanceStatus(str, enum.Enum):
    active = "active"
    suspended = "suspended"
    completed = "completed"
    terminated = "terminated"
    error = "error"


class ProcessInstance(Model):
    __tablename__ = "process_instances"
    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(120))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=InstanceStatus.active.value)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    #: Copy of the org unit's path, so a subtree search needs no join.
    org_path: Mapped[str] = mapped_column(PATH_TYPE)
    business_key: Mapped[str | None] = mapped_column(String(120), index=True)
    title: Mapped[str | None] = mapped_column(String(300))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: A designer's trial run (设计器试运行): followed in the designer, offered only to
    #: its starter, and left out of worklists, figures, exports and searches.
    is_trial: Mapped[bool] = mapped_column(default=False, server_default=false())
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Element names of the current steps, for lists and search.
    current_steps: Mapped[str | None] = mapped_column(String(500))
    #: JSON-safe copy of the process variables, for the API and variable search.
    variables: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Sorted, comma-joined message names awaited; message_subscriptions is
    #: rewritten only when this changes.
    awaiting: Mapped[str] = mapped_column(String(500), default="")
    #: Earliest due timer; the worker polls this column instead of loading states.
    next_timer_at: Mapped[datetime | None]
    #: Optimistic lock: every state change bumps it; a stale writer gets a Conflict.
    lock_version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": lock_version}
    state: Mapped[InstanceState] = relationship(back_populates="instance", uselist=False,
                                                  cascade="all, delete-orphan")


Index("ix_instances_status_key", ProcessInstance.status, ProcessInstance.process_key)
Index("ix_instances_org_path", ProcessInstance.org_path, ProcessInstance.started_at)
Index("ix_instances_next_timer", ProcessInstance.next_timer_at)
Index("ix_instances_started", ProcessInstance.started_at)
# Dashboard counts per subtree read only these columns (status, and when it ended).
Index("ix_instances_org_status", ProcessInstance.org_path, ProcessInstance.status, ProcessInstance.ended_at)
# Search counts and id pages read index entries only: a subtree with a process key
# or a status; "closed since" counts.
Index("ix_instances_status_path", ProcessInstance.status, ProcessInstance.org_path)
Index("ix_instances_key_path", ProcessInstance.process_key, ProcessInstance.org_path)
Index("ix_instances_status_ended", ProcessInstance.status, ProcessInstance.ended_at, ProcessInstance.org_path)


class InstanceState(Model):
    """The engine's serialized state, apart from the instance row lists read."""
    __tablename__ = "instance_states"
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    instance: Mapped[ProcessInstance] = relationship(back_populates="state")


class InstanceEvent(Model):
    """The audit trail: who did what to an instance, when, with which data."""
    __tablename__ = "instance_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    task_id: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(40))
    element_id: Mapped[str | None] = mapped_column(String(120))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)


Index("ix_events_instance", InstanceEvent.instance_id, InstanceEvent.id)


class Incident(Model):
    """A step the engine could not run; the instance waits for an administrator."""
    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    engine_task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(120))
    element_name: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class MessageSubscription(Model):
    """A message an instance is waiting for, so correlation needs no state load."""
    __tablename__ = "message_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    message_name: Mapped[str] = mapped_column(String(120))
    business_key: Mapped[str | None] = mapped_column(String(120))


Index("ix_subscriptions_name_key", MessageSubscription.message_name, MessageSubscription.business_key)
