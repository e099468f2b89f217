"""Work in progress of a process designer: one draft per file, not yet deployed."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow


class ProcessDraft(Model):
    """The saved, undeployed edit of a process (or DMN file) in the web modeler.

    Saving never touches the deployed versions; deploying the draft removes it.
    """
    __tablename__ = "process_drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The process key (BPMN) or decision file name (DMN) the draft edits.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[str] = mapped_column(Text)
    #: The deployed version the edit started from (None for a new process).
    base_version: Mapped[int | None]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
