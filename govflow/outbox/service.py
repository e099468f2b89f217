"""Queue side effects in the transaction; deliver them after commit, with retries."""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, or_, select

from ..database import commit, is_postgres, writing
from ..errors import Conflict, NotFound
from ..extensions import db
from ..privacy.masking import mask_phone
from ..timeutil import utcnow
from .channels import DeliveryFailed, PermanentFailure, get_channel
from .models import OutboxMessage

LEASE = timedelta(minutes=2)
log = logging.getLogger("govflow.outbox")


def enqueue(channel: str, payload: dict, idempotency_key: str | None = None) -> OutboxMessage:
    """Add a message to the current unit of work; it leaves only if that commits."""
    message = OutboxMessage(channel=channel, payload=payload,
                            idempotency_key=idempotency_key or uuid.uuid4().hex)
    db.session.add(message)
    return message


def enqueue_once(channel: str, payload: dict, idempotency_key: str) -> OutboxMessage | None:
    """:func:`enqueue` unless a message with this key is queued already (a step run
    twice); returns None then. The unique key would otherwise fail the whole change."""
    pending = any(isinstance(o, OutboxMessage) and o.idempotency_key == idempotency_key for o in db.session.new)
    if pending or db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == idempotency_key)):
        return None
    return enqueue(channel, payload, idempotency_key)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** attempts, 3600))


def deliver_due(worker_id: str, limit: int = 100) -> tuple[int, int]:
    """Deliver due messages; returns (delivered, failed attempts).

    A message is leased to one worker before sending, so two workers never send
    it at the same time; receivers drop repeats by the Idempotency-Key should a
    worker die after sending but before recording it.
    """
    from flask import current_app
    max_attempts = current_app.config["GOVFLOW"].OUTBOX_MAX_ATTEMPTS
    delivered = failed = 0
    for message_id in _lease(worker_id, limit):
        # Sent outside any write transaction: a slow robot must not hold SQLite's write
        # lock (and so every request) for the length of its timeout.
        error = _send(db.session.get_one(OutboxMessage, message_id))
        db.session.rollback()
        with writing():
            message = db.session.get_one(OutboxMessage, message_id)
            if error is None:
                message.delivered_at = utcnow()
                delivered += 1
            else:
                message.attempts += 1
                message.last_error = str(error)[:2000]
                message.next_attempt_at = utcnow() + backoff(message.attempts)
                if message.attempts >= max_attempts or isinstance(error, PermanentFailure):
                    message.failed_at = utcnow()
                failed += 1
            message.claimed_by = message.claimed_until = None
            commit()
    return delivered, failed


def _send(message: OutboxMessage) -> DeliveryFailed | None:
    """Send one message; the failure, if any, as a DeliveryFailed to record."""
    send = get_channel(message.channel)
    if send is None:
        return PermanentFailure(f"no channel '{message.channel}'")
    try:
        send(message.payload, message.idempotency_key)
    except DeliveryFailed as exc:
        return exc
    except Exception as exc:  # a bad payload or a channel's bug: recorded, not a dead worker
        log.exception("outbox message %s: channel %s failed", message.id, message.channel)
        return DeliveryFailed(f"{type(exc).__name__}: {exc}")
    return None


def _lease(worker_id: str, limit: int) -> list[int]:
    now = utcnow()
    with writing():
        query = (select(OutboxMessage).where(
            OutboxMessage.delivered_at.is_(None), OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
            .order_by(OutboxMessage.next_attempt_at).limit(limit))
        if is_postgres():
            query = query.with_for_update(skip_locked=True)
        rows = db.session.scalars(query).all()
        for row in rows:
            row.claimed_by, row.claimed_until = worker_id, now + LEASE
        ids = [r.id for r in rows]
        commit()
    return ids


#: What the outbox page shows: waiting (never tried), retrying, delivered, dead (parked).
STATES = ("pending", "retrying", "dead", "delivered")


def _state_filter(state: str):
    waiting = OutboxMessage.delivered_at.is_(None) & OutboxMessage.failed_at.is_(None)
    return {"pending": waiting & (OutboxMessage.attempts == 0),
            "retrying": waiting & (OutboxMessage.attempts > 0),
            "dead": OutboxMessage.failed_at.isnot(None),
            "delivered": OutboxMessage.delivered_at.isnot(None)}[state]


def message_state(message: OutboxMessage) -> str:
    if message.delivered_at:
        return "delivered"
    if message.failed_at:
        return "dead"
    return "retrying" if message.attempts else "pending"


def count_by_state() -> dict[str, int]:
    return {state: db.session.scalar(select(func.count(OutboxMessage.id)).where(_state_filter(state))) or 0
            for state in STATES}


def list_messages(state: str, limit: int = 100) -> list[OutboxMessage]:
    """Newest first. Raises NotFound for an unknown ``state``."""
    if state not in STATES:
        raise NotFound(f"no outbox state '{state}'")
    return list(db.session.scalars(select(OutboxMessage).where(_state_filter(state))
                                   .order_by(OutboxMessage.id.desc()).limit(limit)))


def retry_message(message_id: int) -> OutboxMessage:
    """Give a parked (dead) message a fresh set of attempts, due now, with its old key.

    Raises NotFound, or Conflict when it is not parked (delivered or still retrying).
    """
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound("no such outbox message")
    if message.failed_at is None:
        raise Conflict("only a parked (dead) message can be retried")
    message.failed_at, message.attempts, message.next_attempt_at = None, 0, utcnow()
    return message


def describe(message: OutboxMessage) -> str:
    """A line for the outbox page without personal data or tokens: no phone, no URL query."""
    p = message.payload or {}
    if "robot_id" in p:
        return f"robot #{p['robot_id']} · {p.get('event', '')} · {p.get('org_unit', '')}"
    if "phone" in p:
        return f"{p.get('template', 'text')} → {mask_phone(str(p.get('phone') or ''))}"
    if "url" in p:
        return urlsplit(str(p["url"])).netloc
    return message.channel
