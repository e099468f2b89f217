"""Administrators' operations on an instance, each with a required reason and audited.

Every change goes through ``instances.runtime.changing`` (directly or via the
instance services); callers commit once afterwards.
"""
from __future__ import annotations

from sqlalchemy import func, select, update

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..identity.access import Principal
from ..identity.models import User
from ..instances.models import InstanceEvent, ProcessInstance
from ..instances.operations import move_to_step
from ..instances.runtime import changing
from ..instances.service import retry_incident, transition
from ..notifications.service import notify_users
from ..timeutil import utcnow
from ..worklist.models import HumanTask, TaskStatus
from .access import console_scope, require_administrator, require_administrator_of_instance
from .changes import edit_variable, migrate_instances
from .queries import parse_filter
from .task_search import filtered_query

OPERATIONS = ("suspend", "resume", "terminate", "retry", "move", "reassign", "edit_variable", "migrate")


def check_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("a reason is required", {"reason": ["required"]})
    if len(reason) > 1000:
        raise ValidationFailed("the reason is too long", {"reason": ["at most 1000 characters"]})
    return reason


def reassign_task(task_id: int, username: str, actor_id: int, reason: str) -> HumanTask:
    """An administrator gives an open task to ``username`` (any active user); audited
    as ``task_reassigned`` and the new assignee is notified."""
    task = db.session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(f"task {task_id} does not exist")
    target = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    if target is None or not getattr(target, "is_active", True):
        raise ValidationFailed("unknown user", {"username": ["an existing user name"]})
    with changing(task.instance_id, actor_id, require_active=False) as change:
        change.keep_engine_state()
        db.session.refresh(task)
        if task.status != TaskStatus.open.value:
            raise ValidationFailed("the task is no longer open", {"task": ["not open"]})
        previous = task.assignee_id
        task.assignee_id, task.claimed_at = target.id, utcnow()
        change.record("task_reassigned", task.element_id, task.id, comment=reason,
                      data={"from": previous and db.session.get_one(User, previous).username, "to": target.username})
        notify_users([target.id], "task_assigned", task, actor_id)
    return task


def operate(p: Principal, instance_id: int, operation: str, reason: str | None, *,
            incident_id: int | None = None, element_id: str | None = None,
            task_id: int | None = None, username: str | None = None,
            name: str | None = None, value=None, version: int | None = None) -> ProcessInstance:
    """Apply one admin operation. Raises Forbidden, ValidationFailed (no reason, bad
    operation), NotFound, Conflict/InvalidTransition (wrong state)."""
    require_administrator(p)
    require_administrator_of_instance(p, instance_id)
    reason = check_reason(reason)
    if operation in ("suspend", "resume", "terminate"):
        return transition(instance_id, operation, p.user_id, reason)
    if operation == "retry":
        instance = retry_incident(_incident_of(instance_id, incident_id), p.user_id)
        # retry_incident records no comment; the reason joins its audit row.
        last = db.session.scalar(select(func.max(InstanceEvent.id)).where(
            InstanceEvent.instance_id == instance_id, InstanceEvent.kind == "incident_retried"))
        db.session.execute(update(InstanceEvent).where(InstanceEvent.id == last).values(comment=reason))
        return instance
    if operation == "move":
        if not element_id:
            raise ValidationFailed("choose a step", {"element_id": ["required"]})
        return move_to_step(instance_id, element_id, p.user_id, reason)
    if operation == "reassign":
        task = db.session.get(HumanTask, task_id or 0)
        if task is None or task.instance_id != instance_id:
            raise NotFound(f"task {task_id} is not a task of instance {instance_id}")
        reassign_task(task.id, username or "", p.user_id, reason)
        return db.session.get_one(ProcessInstance, instance_id)
    if operation == "edit_variable":
        if name is None or not name.strip():
            raise ValidationFailed("choose a variable", {"name": ["required"]})
        return edit_variable(instance_id, name.strip(), value, p.user_id, reason)
    if operation == "migrate":
        instance = db.session.get_one(ProcessInstance, instance_id)
        report = migrate_instances([instance_id], instance.process_key, version, p, reason)
        if report.refused:
            raise ValidationFailed(f"cannot migrate: {report.refused[instance_id]}",
                           {"version": [report.refused[instance_id]]})
        return db.session.get_one(ProcessInstance, instance_id)
    raise ValidationFailed(f"unknown operation '{operation}'", {"operation": [", ".join(OPERATIONS)]})


def _incident_of(instance_id: int, incident_id: int | None) -> int:
    from ..instances.models import Incident
    incident = db.session.get(Incident, incident_id or 0)
    if incident is None or incident.instance_id != instance_id:
        raise NotFound(f"incident {incident_id} is not an incident of instance {instance_id}")
    return incident.id


def migrate_search(p: Principal, args, version: int | None, reason: str | None):
    """Migrate the running instances of a ledger search (``args``) that ``p`` administers
    to ``version`` of the searched process (at most 1,001 looked at). Raises
    ValidationFailed (no reason, no process chosen); see migrate_instances for the report."""
    reason = check_reason(reason)
    f = parse_filter(args)
    if not f.process:
        raise ValidationFailed("choose a process first", {"process": ["required"]})
    ids = [i.id for i in db.session.scalars(filtered_query(f, args, console_scope(p)).limit(1001))
           if i.status in ("active", "error", "suspended")]
    return migrate_instances(ids, f.process, version, p, reason)
