"""Side effects that leave the database only after the commit that caused them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow


class OutboxMessage(Model):
    __tablename__ = "outbox_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Delivery channel: a name registered in govflow.outbox.channels.
    channel: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON)
    #: Receivers use it to drop repeats; retries after a crash carry the same key.
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    #: Worker that holds it, so two workers never send the same message at once.
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None]


Index("ix_outbox_pending", OutboxMessage.next_attempt_at,
      sqlite_where=OutboxMessage.delivered_at.is_(None) & OutboxMessage.failed_at.is_(None),
      postgresql_where=OutboxMessage.delivered_at.is_(None) & OutboxMessage.failed_at.is_(None))
