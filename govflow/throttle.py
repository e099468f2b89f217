"""Rate limits per client address, held in the database so every worker shares them.

A hit is written in a transaction of its own (:func:`govflow.database.separate_transaction`):
the request that counts it is usually refused and rolled back, and the hit must
survive that. The client address is the one ``TRUSTED_PROXIES`` lets us believe
(:func:`govflow.web.security.client_address`).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Index, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, scoped_session

from .errors import DomainError
from .extensions import Model
from .timeutil import utcnow


class RateLimited(DomainError):
    """Too many actions of one kind from one client address within the window."""
    status = 429

    def __init__(self, bucket: str, retry_after: int):
        super().__init__(f"too many '{bucket}' actions from this address")
        self.bucket = bucket
        #: Seconds until the oldest counted hit leaves the window (the Retry-After header).
        self.retry_after = max(1, retry_after)


class RateHit(Model):
    """One counted action (``bucket``) by one client address. The table kept the name it
    had when only the portal counted hits."""
    __tablename__ = "portal_rate_hits"
    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(20))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_portal_rate_hits_lookup", RateHit.bucket, RateHit.client, RateHit.at)


def check_limit(session: Session | scoped_session, bucket: str, client: str, limit: int, window: timedelta,
                now: datetime | None = None) -> None:
    """Raises RateLimited when ``client`` already has ``limit`` hits in the window."""
    now = now or utcnow()
    client = (client or "unknown")[:64]
    count, oldest = session.execute(select(func.count(RateHit.id), func.min(RateHit.at)).where(
        RateHit.bucket == bucket, RateHit.client == client, RateHit.at > now - window)).one()
    if count >= limit:
        raise RateLimited(bucket, int((oldest + window - now).total_seconds()) + 1)


def record_hit(session: Session | scoped_session, bucket: str, client: str, window: timedelta, now: datetime | None = None) -> None:
    """Count one hit; hits older than two windows are of no use any more and go."""
    now = now or utcnow()
    session.add(RateHit(bucket=bucket, client=(client or "unknown")[:64], at=now))
    session.execute(delete(RateHit).where(RateHit.bucket == bucket, RateHit.at < now - 2 * window)
                    .execution_options(synchronize_session=False))
    session.flush()


def count_hit(session: Session | scoped_session, bucket: str, client: str, limit: int, window: timedelta,
              now: datetime | None = None) -> None:
    """Check, then count this action (refused ones are not counted)."""
    check_limit(session, bucket, client, limit, window, now)
    record_hit(session, bucket, client, window, now)
