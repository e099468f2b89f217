"""The workers' heartbeats, which /readyz and the metrics read."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow


class WorkerHeartbeat(Model):
    """One row per worker process, rewritten after each of its passes."""
    __tablename__ = "worker_heartbeats"
    #: ``host:pid`` — the same id the outbox leases carry.
    worker_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: Passes since the process started (a stuck worker's count stops growing).
    passes: Mapped[int] = mapped_column(default=0)
