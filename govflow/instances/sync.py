"""Bring the indexed tables in line with the engine after a step.

Lists, counts, timers and message correlation read these tables, never the
engine state; this module is the only writer of their engine-derived columns.
"""
from __future__ import annotations

import json
import types
from datetime import date, datetime
from typing import NamedTuple, cast

from sqlalchemy import Table, insert, or_, select

from ..database import prepared
from ..definitions.models import ProcessDefinition
from ..errors import NotFound
from ..extensions import db
from ..external_tasks.models import ExternalTask
from ..forms.camunda.references import is_camunda_form, pin
from ..identity.models import OrgKind, OrgUnit, User
from ..timeutil import to_naive_utc, utcnow
from ..worklist.models import HumanTask, TaskCandidate, TaskStatus
from .models import Incident, InstanceStatus, MessageSubscription


def sync_after_step(change, failures) -> None:
    instance, runner = change.instance, change.engine
    ready = {r.engine_task_id: r for r in ([] if runner.is_completed else runner.ready_user_tasks())}
    _record_incidents(change, failures or runner.failures())
    variables = json_safe(runner.variables())
    if instance.business_key is None and variables.get("business_key"):
        # A numbering step (年份-序号) names the case; the tasks created now carry it.
        instance.business_key = str(variables["business_key"])[:120]
    prefetched = change.prefetched_open_tasks
    open_rows = {t.engine_task_id: t for t in (
        [t for t in prefetched if t.status == TaskStatus.open.value] if prefetched is not None else
        db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                   HumanTask.status == TaskStatus.open.value)))}
    for engine_task_id, row in open_rows.items():
        if engine_task_id not in ready and engine_task_id not in change.completed_task_ids:
            close_task(row, TaskStatus.cancelled)
            change.record("task_cancelled", row.element_id, row.id)
    for row in _create_tasks(change, [item for key, item in ready.items() if key not in open_rows]):
        change.record("task_created", row.element_id, row.id,
                      data={"name": row.name, "candidate_groups": row.candidate_groups})

    if runner.is_completed and instance.status != InstanceStatus.completed.value:
        instance.status = InstanceStatus.completed.value
        instance.ended_at = utcnow()
        change.record("instance_completed")
    instance.next_timer_at = None if runner.is_completed else to_naive_utc(runner.next_timer_at())
    awaiting = set() if runner.is_completed else runner.awaited_messages()
    if ",".join(sorted(awaiting)) != (instance.awaiting or ""):
        _sync_subscriptions(instance, awaiting)
        instance.awaiting = ",".join(sorted(awaiting))[:500]
    instance.variables = variables
    waits = [] if runner.is_completed else runner.external_waits()
    if waits or runner.bundle.has_external_tasks:  # no rows can exist otherwise: no query
        sync_external_tasks(instance, waits)
    names = sorted({r.name for r in ready.values()} | {w.element_name for w in waits})
    instance.current_steps = ", ".join(names)[:500] or None


def sync_external_tasks(instance, waits) -> None:
    """One ExternalTask row per external task the engine has waiting; rows of tasks
    that stopped waiting (completed, failed into an incident, cancelled) go."""
    rows = {r.engine_task_id: r for r in db.session.scalars(
        select(ExternalTask).where(ExternalTask.instance_id == instance.id))}
    waiting = {w.engine_task_id: w for w in waits}
    for engine_task_id, row in rows.items():
        if engine_task_id not in waiting:
            db.session.delete(row)
    for engine_task_id, w in waiting.items():
        if engine_task_id not in rows:
            db.session.add(ExternalTask(instance_id=instance.id, engine_task_id=engine_task_id,
                                        element_id=w.element_id, name=w.element_name[:200], topic=w.topic,
                                        process_key=instance.process_key, business_key=instance.business_key,
                                        org_path=instance.org_path))


def close_task(row: HumanTask, status: TaskStatus, by_user_id: int | None = None) -> None:
    row.status = status.value
    row.completed_at = utcnow()
    row.completed_by_id = by_user_id
    # Its task_candidates rows go with the UPDATE, by trigger (migration b3d5f7a9c1e2).


def _record_incidents(change, failures) -> None:
    instance = change.instance
    if not failures and instance.status != InstanceStatus.error.value:
        return
    # Compared in Python: a retry resolves its incident in this very unit of work.
    known = {i.engine_task_id for i in db.session.scalars(
        select(Incident).where(Incident.instance_id == instance.id)) if i.resolved_at is None}
    for failure in failures:
        if failure.engine_task_id in known:
            continue
        db.session.add(Incident(instance_id=instance.id, engine_task_id=failure.engine_task_id,
                                element_id=failure.element_id, element_name=failure.element_name,
                                message=failure.message))
        change.record("incident", failure.element_id, data={"message": failure.message})
    if failures:
        instance.status = InstanceStatus.error.value
    elif instance.status == InstanceStatus.error.value:
        instance.status = InstanceStatus.active.value


#: Called with (the step's StepWrites, [new HumanTask rows]) after tasks are created,
#: to queue what the step's last write sends with it: the notifications register here
#: (notifications.service.install_hooks).
on_tasks_created: list = []


class NewTask(types.SimpleNamespace):
    """A human task row just inserted (its columns as attributes)."""
    id: int


# Core, built once: no ORM bookkeeping of new rows, no statement to build per step.
_TASKS = cast(Table, HumanTask.__table__)
_INSERT_TASKS = prepared(insert(_TASKS).returning(_TASKS.c.id, sort_by_parameter_order=True))
_CANDIDATES = cast(Table, TaskCandidate.__table__)


def _create_tasks(change, items) -> list[NewTask]:
    """The rows of the engine's new ready user tasks, in one statement however many
    (INSERT … RETURNING); their candidates and whatever the listeners add are queued
    for the step's last write (writes.StepWrites). Not the ORM's unit of work: a step
    creates a task nearly every time, and its flush cost more than the engine's own step."""
    if not items:
        return []
    instance = change.instance
    values, scopes = [], []
    for item in items:
        if item.scope:
            unit = resolve_scope(instance, item.scope, change.engine.task_data(item.engine_task_id))
            if unit is None:
                change.record("scope_unresolved", item.element_id, data={"scope": item.scope})
            scope = _Scope(unit.id, unit.path) if unit else _Scope(instance.org_unit_id, instance.org_path)
        else:  # the common case needs no query: the instance row carries its unit's path
            scope = _Scope(instance.org_unit_id, instance.org_path)
        scopes.append(scope)
        assignee, candidate_users = _user_id(item.assignee), list(item.candidate_users)
        if instance.is_trial:
            # A trial's steps are all the designer's: nobody the diagram names is involved.
            starter = db.session.get(User, instance.started_by_id) if instance.started_by_id else None
            assignee = assignee if assignee == instance.started_by_id else None
            candidate_users = [starter.username] if starter else []
        values.append(dict(
            instance_id=instance.id, engine_task_id=item.engine_task_id, element_id=item.element_id,
            name=item.name, process_key=instance.process_key, business_key=instance.business_key,
            title=instance.title, status=TaskStatus.open.value, assignee_id=assignee,
            candidate_groups=list(item.candidate_groups), candidate_users=candidate_users, is_trial=instance.is_trial,
            scope_org_unit_id=scope.id, scope_path=scope.path, due_at=to_naive_utc(item.due_at),
            follow_up_at=to_naive_utc(item.follow_up_at), priority=item.priority,
            form_key=_pinned_form(instance, item.form_key), form_fields=list(item.form_fields or []),
            created_at=utcnow()))
    ids = list(db.session.connection().scalars(_INSERT_TASKS, values))
    # Plain records, not ORM objects: nothing in this step changes them again, and the
    # ORM's bookkeeping of new rows cost more than the INSERT. Who must change one
    # (撤回 assigns the new run of a step) loads it by id.
    rows = [NewTask(id=task_id, **row) for task_id, row in zip(ids, values, strict=True)]
    change.created_tasks.extend(rows)
    candidates = []
    for row, item, scope in zip(rows, items, scopes, strict=True):
        candidates += [dict(task_id=row.id, role=role, user_id=None, scope_path=scope.path, due_at=row.due_at)
                       for role in ([] if row.is_trial else item.candidate_groups)]
        for username in row.candidate_users:
            user_id = _user_id(username)
            if user_id:
                candidates.append(dict(task_id=row.id, role=None, user_id=user_id, scope_path=scope.path,
                                       due_at=row.due_at))
    change.writes.rows(_CANDIDATES, candidates)
    for listener in on_tasks_created:
        listener(change.writes, rows)
    return rows


def _pinned_form(instance, form_key: str | None) -> str | None:
    """A Camunda Form reference becomes the version the task will show and check."""
    if not is_camunda_form(form_key):
        return form_key
    try:
        return pin(form_key, db.session.get_one(ProcessDefinition, instance.definition_id).deployment_id)
    except NotFound:  # checked at deployment; kept unpinned, a submission then names the missing form
        return form_key


class _Scope(NamedTuple):
    id: int
    path: str


def resolve_scope(instance, scope: str | None, task_data: dict) -> OrgUnit | None:
    """The org unit whose staff get a task.

    ``scope`` may be an org-unit code, the name of a process variable holding a
    code (e.g. ``department`` for whistled departments), or an org-unit kind
    meaning the instance unit's nearest ancestor of that kind. Default: the
    instance's own unit.
    """
    if not scope:
        return db.session.get(OrgUnit, instance.org_unit_id)
    # One query for every candidate: the codes the scope may name, and the instance's
    # unit with its ancestors (their ids are in the instance's path). Walking
    # ``unit.parent`` and trying each code cost four to six statements per task.
    codes = [c for c in (task_data.get(scope), scope) if isinstance(c, str)]
    lineage = [int(x) for x in (instance.org_path or "").strip("/").split("/") if x]
    units = list(db.session.scalars(select(OrgUnit).where(
        or_(OrgUnit.code.in_(codes), OrgUnit.id.in_([*lineage, instance.org_unit_id])))))
    by_code, by_id = {u.code: u for u in units}, {u.id: u for u in units}
    for code in codes:
        if code in by_code:
            return by_code[code]
    if scope not in OrgKind.__members__:
        return None
    base = by_id.get(instance.org_unit_id)
    if base is None or base.path != instance.org_path:  # moved since the instance began: walk the live tree
        unit = base or db.session.get(OrgUnit, instance.org_unit_id)
        while unit is not None and unit.kind != scope:
            unit = unit.parent
        return unit
    return next((by_id[i] for i in reversed(lineage) if i in by_id and by_id[i].kind == scope), None)


def _user_id(username: str | None) -> int | None:
    if not username:
        return None
    return db.session.scalar(select(User.id).where(User.username == username))


def _sync_subscriptions(instance, names: set[str]) -> None:
    current = {s.message_name: s for s in db.session.scalars(
        select(MessageSubscription).where(MessageSubscription.instance_id == instance.id))}
    for name, sub in current.items():
        if name not in names:
            db.session.delete(sub)
    for name in names - set(current):
        db.session.add(MessageSubscription(instance_id=instance.id, message_name=name,
                                           business_key=instance.business_key))


def json_safe(value, depth: int = 0):
    """Process data as JSON: dates as ISO text, unknown objects as their repr."""
    if depth > 20:
        return None
    if isinstance(value, dict):
        return {str(k): json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_safe(v, depth + 1) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    try:
        json.dumps(value)
        return value
    except TypeError:
        return repr(value)
