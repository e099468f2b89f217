"""One row per external task waiting for a worker, kept in line with the engine by
instances.sync, so that fetching reads an indexed table and never loads engines."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import PATH_TYPE, Model
from ..timeutil import utcnow


class ExternalTask(Model):
    __tablename__ = "external_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    engine_task_id: Mapped[str] = mapped_column(String(36), unique=True)
    element_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(120))
    process_key: Mapped[str] = mapped_column(String(120))
    business_key: Mapped[str | None] = mapped_column(String(120))
    #: Copy of the instance's org path: workers fetch within their jurisdiction.
    org_path: Mapped[str] = mapped_column(PATH_TYPE)
    worker_id: Mapped[str | None] = mapped_column(String(255))
    #: Naive UTC; a lock past this instant is free for any worker.
    lock_expires_at: Mapped[datetime | None]
    #: None until a worker reports a failure (Camunda: null retries).
    retries: Mapped[int | None]
    error_message: Mapped[str | None] = mapped_column(Text)
    error_details: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_external_tasks_topic", ExternalTask.topic, ExternalTask.lock_expires_at)
