from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow


class NumberSequence(Model):
    """Per-name, per-year counters for business numbers such as 2026-000042."""
    __tablename__ = "number_sequences"
    __table_args__ = (UniqueConstraint("name", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    year: Mapped[int]
    value: Mapped[int] = mapped_column(default=0)


class LedgerEntry(Model):
    """台账: one line per governance fact worth counting (case received, resolved…)."""
    __tablename__ = "ledger_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(60))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    business_key: Mapped[str | None] = mapped_column(String(120))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_ledger_kind_at", LedgerEntry.process_key, LedgerEntry.kind, LedgerEntry.at)


class PublicResult(Model):
    """结果公开: what the public board shows, with personal data already masked."""
    __tablename__ = "public_results"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    business_key: Mapped[str | None] = mapped_column(String(120))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    category: Mapped[str | None] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Notification(Model):
    """An in-platform message to one user (new task, urged, overdue, copied…)."""
    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


Index("ix_notifications_user_unread", Notification.user_id, Notification.read_at)
