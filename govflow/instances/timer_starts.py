"""Firing timer start events: the worker starts the instances their jobs are due for.

Each due job of a version that is not suspended is fired in its own transaction: the
job's row is locked (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers never
start the same firing twice), an instance is started by that start event, and the job
moves to its next firing or is deleted. A firing that fails is tried again five
minutes later and skipped after the third attempt, as Camunda's job retries do.

Whose instance is it? The org unit named by the event's ``camunda:property
name="org_unit"``, else the root of the org tree (the district): the unit from which
administrators and the process's own ``scope`` properties reach every task.
"""
from __future__ import annotations

import json
import logging
from datetime import timedelta

from sqlalchemy import select

from ..database import commit, is_postgres, writing
from ..definitions.models import TimerStartJob
from ..definitions.timer_starts import due_job_ids
from ..engine import clock, timer_starts
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..identity.models import OrgUnit
from ..timeutil import utcnow
from .service import start_instance

log = logging.getLogger(__name__)
#: Attempts at one firing before it is skipped (Camunda's default job retries).
MAX_ATTEMPTS = 3
_RETRY_SECONDS = 300


def fire_due_timer_starts() -> int:
    """Start an instance for every due timer start job; returns how many were started."""
    started, seen = 0, set()
    while True:
        batch = [i for i in due_job_ids() if i not in seen]
        db.session.rollback()
        if not batch:
            return started
        for job_id in batch:
            seen.add(job_id)
            started += _fire(job_id)


def _fire(job_id: int) -> int:
    with writing():
        job = _claim(job_id)
        if job is None:
            commit()
            return 0
        try:
            instance = _start(job)
        except DomainError as exc:
            db.session.rollback()
            _record_failure(job_id, exc.message)
            return 0
        _advance(job)
        commit()
        log.info("timer start event %s of %s v%s started instance %s", job.element_id, job.process_key,
                 job.definition.version, instance.id)
        return 1


def _claim(job_id: int) -> TimerStartJob | None:
    query = select(TimerStartJob).where(TimerStartJob.id == job_id, TimerStartJob.due_at <= utcnow())
    if is_postgres():
        query = query.with_for_update(skip_locked=True)
    return db.session.scalar(query)


def _start(job: TimerStartJob):
    code = job.org_unit_code or _root_unit_code()
    return start_instance(job.process_key, code, {}, definition=job.definition, start_event=job.element_id)


def _advance(job: TimerStartJob) -> None:
    following = timer_starts.after_firing(json.loads(job.schedule), clock.now())
    if following is None:
        db.session.delete(job)
    else:
        job.schedule, job.due_at = json.dumps(following), timer_starts.due_at(following)
        job.attempts, job.last_error = 0, None
    db.session.flush()


def _record_failure(job_id: int, message: str) -> None:
    """Count a failed firing in its own transaction; the third skips that firing."""
    with writing():
        job = db.session.get(TimerStartJob, job_id)
        if job is None:
            return
        job.attempts += 1
        job.last_error = message[:2000]
        log.warning("timer start event %s of %s failed (%s/%s): %s", job.element_id, job.process_key,
                    job.attempts, MAX_ATTEMPTS, message)
        if job.attempts >= MAX_ATTEMPTS:
            _advance(job)
        else:
            job.due_at = utcnow() + timedelta(seconds=_RETRY_SECONDS)
        commit()


def _root_unit_code() -> str:
    root = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None), OrgUnit.is_active.is_(True))
                             .order_by(OrgUnit.kind != "district", OrgUnit.id).limit(1))
    if root is None:
        raise ValidationFailed("no org unit to start the instance for", {"org_unit": ["the org tree is empty"]})
    return root.code
