"""Portal tables: tracking codes and the rate-limit hits (shared by all workers)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class TrackingCode(db.Model):
    """A resident's random, unguessable code for one reported case (not the case number)."""
    __tablename__ = "portal_tracking_codes"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RateHit(db.Model):
    """One counted action (``bucket``) by one client address, for the rate limit."""
    __tablename__ = "portal_rate_hits"
    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(20))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_portal_rate_hits_lookup", RateHit.bucket, RateHit.client, RateHit.at)
