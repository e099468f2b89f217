"""Fetching, locking, completing and failing external tasks, as a worker of the
caller's jurisdiction: a worker sees only tasks of instances in the units its
user's grants cover (404 for the rest, as for every other object)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select

from ..database import ensure_write_transaction, is_postgres
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..identity.access import Principal, covered_clause
from ..instances.models import InstanceStatus, ProcessInstance
from ..instances.runtime import changing
from ..instances.variables import check_incoming
from ..timeutil import utcnow
from .models import ExternalTask

#: Longest lock a worker may ask for (Camunda has none; a day keeps a lost worker's task from hiding for good).
MAX_LOCK_MS = 24 * 3600 * 1000


@dataclass
class Topic:
    name: str
    lock_ms: int
    variables: list[str] | None = None


def fetch_and_lock(p: Principal, worker_id: str, topics: list[Topic], max_tasks: int) -> list[tuple[ExternalTask, dict]]:
    """Lock up to ``max_tasks`` free tasks of ``topics`` for ``worker_id``; returns each
    with the process variables asked for (all when a topic names none)."""
    ensure_write_transaction()
    now = utcnow()
    by_name = {t.name: t for t in topics}
    query = (select(ExternalTask, ProcessInstance).join(ProcessInstance, ProcessInstance.id == ExternalTask.instance_id)
             .where(ExternalTask.topic.in_(by_name), ProcessInstance.status == InstanceStatus.active.value,
                    or_(ExternalTask.lock_expires_at.is_(None), ExternalTask.lock_expires_at <= now),
                    or_(ExternalTask.retries.is_(None), ExternalTask.retries > 0),
                    covered_clause(p, ExternalTask.org_path))
             .order_by(ExternalTask.id).limit(max_tasks))
    if is_postgres():
        query = query.with_for_update(of=ExternalTask, skip_locked=True)
    out = []
    for task, instance in db.session.execute(query).all():
        topic = by_name[task.topic]
        task.worker_id, task.lock_expires_at = worker_id, now + timedelta(milliseconds=topic.lock_ms)
        values = instance.variables or {}
        if topic.variables is not None:
            values = {k: values[k] for k in topic.variables if k in values}
        out.append((task, values))
    db.session.flush()
    return out


def _locked_by(p: Principal, task_id: int, worker_id: str | None) -> ExternalTask:
    ensure_write_transaction()
    task = db.session.get(ExternalTask, task_id)
    if task is None or not p.covers(task.org_path):
        raise NotFound(f"external task {task_id} does not exist")
    if worker_id is not None and (task.worker_id != worker_id or task.lock_expires_at is None
                                  or task.lock_expires_at <= utcnow()):
        raise Conflict(f"external task {task_id} is not locked by worker '{worker_id}'")
    return task


def complete(p: Principal, task_id: int, worker_id: str, variables: dict) -> None:
    task = _locked_by(p, task_id, worker_id)
    variables = check_incoming(variables)
    with changing(task.instance_id, p.user_id) as change:
        change.engine.complete_external(task.engine_task_id, variables)
        change.record("external_task_completed", task.element_id,
                      data={"topic": task.topic, "worker": worker_id, "variables": sorted(variables)})


def fail(p: Principal, task_id: int, worker_id: str, message: str | None, details: str | None,
         retries: int, retry_timeout_ms: int) -> None:
    """The worker failed: with retries left the task is fetchable again after
    ``retry_timeout_ms``; at 0 it fails into an incident (an administrator retries it)."""
    if retries < 0 or retry_timeout_ms < 0:
        raise ValidationFailed("retries and retryTimeout may not be negative", {"retries": [">= 0"]})
    task = _locked_by(p, task_id, worker_id)
    message = (message or "the external worker failed")[:2000]
    if retries > 0:
        task.retries, task.error_message, task.error_details = retries, message, (details or None)
        task.lock_expires_at = utcnow() + timedelta(milliseconds=min(retry_timeout_ms, MAX_LOCK_MS))
        task.worker_id = None
        return
    with changing(task.instance_id, p.user_id) as change:
        change.engine.fail_external(task.engine_task_id, message)
        change.record("external_task_failed", task.element_id, data={"topic": task.topic, "worker": worker_id})


def throw_bpmn_error(p: Principal, task_id: int, worker_id: str, code: str, message: str | None,
                     variables: dict) -> str | None:
    """Camunda's bpmnError: an error boundary event on the task catching ``code`` takes
    the path on with ``variables`` set; answers its element id. When none catches it the
    task fails into an incident naming the code (Camunda's behaviour), and None is answered."""
    task = _locked_by(p, task_id, worker_id)
    variables = check_incoming(variables)
    with changing(task.instance_id, p.user_id) as change:
        caught_by = change.engine.throw_external_error(task.engine_task_id, code, message or "", variables)
        if caught_by is None:
            change.engine.fail_external(task.engine_task_id, f"BPMN error {code}: {message or ''}"[:2000])
            change.record("external_task_failed", task.element_id,
                          data={"topic": task.topic, "worker": worker_id, "error_code": code})
        else:
            change.record("external_task_error", task.element_id,
                          data={"topic": task.topic, "worker": worker_id, "error_code": code,
                                "caught_by": caught_by, "variables": sorted(variables)})
    return caught_by


def extend_lock(p: Principal, task_id: int, worker_id: str, new_duration_ms: int) -> None:
    task = _locked_by(p, task_id, worker_id)
    task.lock_expires_at = utcnow() + timedelta(milliseconds=new_duration_ms)


def unlock(p: Principal, task_id: int) -> None:
    task = _locked_by(p, task_id, None)
    task.worker_id, task.lock_expires_at = None, None


def get_external_task(p: Principal, task_id: int) -> ExternalTask:
    return _locked_by(p, task_id, None)
