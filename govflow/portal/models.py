"""Portal tables: tracking codes (rate-limit hits: govflow/throttle.py)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow


class TrackingCode(Model):
    """A resident's random, unguessable code for one reported case (not the case number)."""
    __tablename__ = "portal_tracking_codes"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
