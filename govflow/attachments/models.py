"""Uploaded files. The bytes live under UPLOAD_DIR; the row says whose and where."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow


class Upload(Model):
    __tablename__ = "uploads"
    #: Random, unguessable; what form values (e.g. ``photos``) hold.
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: ``form`` (a value of a form field) or ``attachment`` (added to the case).
    kind: Mapped[str] = mapped_column(String(16))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"))
    #: The name on the uploader's device, shown only; the stored file has a random name.
    filename: Mapped[str] = mapped_column(String(200))
    #: Detected from the content, never taken from the client.
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    #: Path below UPLOAD_DIR.
    storage_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_uploads_instance", Upload.instance_id, Upload.kind)
