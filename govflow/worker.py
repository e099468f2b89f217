"""The background worker: fires due timers, delivers the outbox, forgets abandoned photos.

Each due instance is handled in its own transaction through the one change
path, so a crash loses at most the step in progress (which is then retried).
On PostgreSQL several workers share the load: due instances are picked with
``FOR UPDATE SKIP LOCKED``, so each timer fires exactly once.
"""
from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from .database import commit, is_postgres, writing
from .engine import clock
from .errors import DomainError
from .extensions import db
from .instances.models import InstanceStatus, ProcessInstance
from .instances.service import fire_timers
from .instances.timer_starts import fire_due_timer_starts
from .ops.health import record_heartbeat, wall_now
from .ops.logs import job
from .outbox.service import deliver_due
from .portal.photos import forget_abandoned_photos
from .timeutil import utcnow

log = logging.getLogger(__name__)
BATCH = 100


def due_instance_ids(limit: int = BATCH) -> list[int]:
    query = (select(ProcessInstance.id)
             .where(ProcessInstance.next_timer_at <= utcnow(),
                    ProcessInstance.status.in_([InstanceStatus.active.value, InstanceStatus.error.value]))
             .order_by(ProcessInstance.next_timer_at).limit(limit))
    return list(db.session.scalars(query))


def fire_due_timers() -> int:
    """Fire every timer due now; returns how many instances were stepped."""
    fired, seen = 0, set()
    while True:
        batch = [i for i in due_instance_ids() if i not in seen]
        db.session.rollback()
        if not batch:
            return fired
        for instance_id in batch:
            seen.add(instance_id)
            with writing():
                try:
                    if _claim_due(instance_id):
                        fire_timers(instance_id)
                        fired += 1
                    commit()
                except DomainError as exc:
                    db.session.rollback()
                    log.warning("timer of instance %s not fired: %s", instance_id, exc.message)


def _claim_due(instance_id: int) -> bool:
    """Lock the row if it is still due; another worker may have taken it."""
    query = select(ProcessInstance.id).where(ProcessInstance.id == instance_id,
                                             ProcessInstance.next_timer_at <= utcnow())
    if is_postgres():
        query = query.with_for_update(skip_locked=True)
    return db.session.scalar(query) is not None


def notify_overdue() -> int:
    """Tell the people of newly overdue tasks (once per task), in its own transaction."""
    from .notifications.service import notify_overdue_tasks
    with writing():
        count = notify_overdue_tasks()
        commit()
    return count


def _housekeeping(what: str, action: Callable[[], int]) -> int:
    """Run ``action`` in a transaction of its own; a failure is logged and tried again next
    round (statistics and clean-ups only: the timers must go on)."""
    try:
        with writing():
            count = action()
            commit()
        return count
    except Exception:
        db.session.rollback()
        log.exception("%s failed; retrying next round", what)
        return 0


def fold_case_facts() -> int:
    """Keep the statistics' facts of each case current, so that pages fold little."""
    from .admin.facts import refresh_case_facts
    return _housekeeping("folding the case facts", refresh_case_facts)


def forget_kept_photos() -> int:
    """Residents' photos kept for a refused report that was never sent again go, row and
    file, once their time is up (privacy: nobody else ever sees them)."""
    upload_dir = current_app.config["GOVFLOW"].UPLOAD_DIR
    return _housekeeping("forgetting abandoned portal photos", lambda: forget_abandoned_photos(upload_dir))


def run_worker(once: bool = False, now: datetime | None = None) -> dict:
    poll = current_app.config["GOVFLOW"].WORKER_POLL_SECONDS
    stats = {"started": 0, "timers": 0, "delivered": 0, "failed": 0}
    stopping = []
    if not once:
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    worker_id = f"{os.uname().nodename}:{os.getpid()}"
    started_at = wall_now()
    while not stopping:
        with clock.frozen_at(now), job("worker.pass", worker=worker_id) as outcome:
            started = fire_due_timer_starts()
            timers = fire_due_timers()
            delivered, failed = deliver_due(worker_id)
            overdue = notify_overdue()
            fold_case_facts()
            forgotten = forget_kept_photos()
            outcome.update(started=started, timers=timers, delivered=delivered, failed=failed,
                           overdue_notices=overdue, forgotten_photos=forgotten, quiet=not (started or timers or delivered or failed or overdue))
        record_heartbeat(worker_id, started_at)
        stats["started"] += started
        stats["timers"] += timers
        stats["delivered"] += delivered
        stats["failed"] += failed
        if once:
            break
        if not (started or timers or delivered):
            time.sleep(poll)
    return stats


