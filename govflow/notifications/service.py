"""Who is told about a task, and the notification list of one user."""
from __future__ import annotations

import functools

from sqlalchemy import bindparam, func, insert, select, union, update

from ..errors import NotFound
from ..extensions import db
from ..identity.access import ancestor_paths
from ..identity.models import OrgUnit, RoleGrant, User
from ..instances.sync import on_tasks_created
from ..outbox.channels import register_channel
from ..records.models import Notification
from ..timeutil import utcnow
from ..worklist.models import HumanTask, TaskStatus
from .delivery import post_robot
from .robots import announce_task
from .sms import send_sms

#: Kinds of notification; the pages word each one, so that people read which of
#: 转办/委派/交回/退回/抄送/催办/加签/撤回 happened.
KINDS = ("task_created", "task_assigned", "task_transferred", "task_delegated", "task_resolved", "task_returned",
         "urged", "overdue", "copied", "cosign_requested", "cosigned", "withdrawn")


def task_audience(executor, task) -> list[int]:
    """The assignee, or else everyone the task is offered to (roles at or above its scope;
    a designer's trial run is offered to its starter only, never to the roles it names).

    ``executor`` is the session or, inside a flush, its connection.
    """
    if task.assignee_id is not None:
        return [task.assignee_id]
    audience = _audience_query(task)
    return sorted(set(executor.execute(audience).scalars())) if audience is not None else []


def _audience_query(task):
    """The ids of the active users a task without assignee is offered to, as one SELECT
    (None when it is offered to nobody). Built once per shape, bound per task: building
    the expression cost more than running it."""
    shape = _shape(task)
    if shape == (False, False):
        return None
    return _audience_statement(*shape).params(**_audience_params(task))


def _shape(task) -> tuple[bool, bool]:
    """(offered to roles, offered to named users): a trial's steps go to no role."""
    return bool(task.candidate_groups) and not task.is_trial, bool(task.candidate_users)


def _audience_params(task) -> dict:
    return {"roles": list(task.candidate_groups or []), "paths": ancestor_paths(task.scope_path),
            "usernames": list(task.candidate_users or [])}


@functools.cache
def _audience_statement(groups: bool, users: bool, prefix: str = ""):
    """``prefix`` goes before every parameter's name (in a statement of several parts)."""
    parts = []
    if groups:
        parts.append(select(RoleGrant.user_id.label("user_id")).join(OrgUnit, RoleGrant.org_unit_id == OrgUnit.id)
                     .join(User, RoleGrant.user_id == User.id)
                     .where(RoleGrant.role.in_(bindparam(prefix + "roles", expanding=True)),
                            OrgUnit.path.in_(bindparam(prefix + "paths", expanding=True)),
                            User.is_active_user.is_(True)))
    if users:
        parts.append(select(User.id.label("user_id")).where(
            User.username.in_(bindparam(prefix + "usernames", expanding=True)), User.is_active_user.is_(True)))
    return parts[0] if len(parts) == 1 else union(*parts)


@functools.cache
def _notify_audience_statement(groups: bool, users: bool, prefix: str = ""):
    """INSERT INTO notifications … SELECT over the audience, every other column bound."""
    audience = _audience_statement(groups, users, prefix).subquery()
    columns = ("kind", "title", "body", "instance_id", "task_id", "created_at")
    table = Notification.__table__
    return insert(Notification).from_select(
        ["user_id", *columns],
        select(audience.c.user_id, *(bindparam(prefix + c, type_=table.c[c].type).label(c) for c in columns)))


def _rows(user_ids, kind: str, task, actor_id: int | None = None) -> list[dict]:
    subject = " ".join(x for x in (task.business_key, task.title) if x)
    return [{"user_id": uid, "kind": kind, "title": task.name, "body": subject[:2000],
             "instance_id": task.instance_id, "task_id": task.id, "created_at": utcnow()}
            for uid in dict.fromkeys(user_ids) if uid != actor_id]


def notify_users(user_ids, kind: str, task, actor_id: int | None = None) -> int:
    """Tell ``user_ids`` (but never the actor) about ``task``; returns how many were told."""
    rows = _rows(user_ids, kind, task, actor_id)
    if rows:
        db.session.execute(insert(Notification), rows)
    return len(rows)


def notify_audience(kind: str, task, actor_id: int | None = None) -> int:
    """In the platform; a 催办 also goes to the group robots over the task's unit."""
    if kind == "urged":
        announce_task("task_urged", task)
    return notify_users(task_audience(db.session, task), kind, task, actor_id)


def _notify_new_tasks(writes, tasks) -> None:
    """``task_created`` for each new task, queued in the step's ``writes``: to its
    assignee, else one INSERT … SELECT over the audience (not a read and a write: this
    runs for nearly every step)."""
    for task in tasks:
        shape = _shape(task)
        if task.assignee_id is not None or shape == (False, False):
            writes.rows(Notification.__table__,
                        _rows([task.assignee_id] if task.assignee_id is not None else [], "task_created", task))
            continue
        (row,) = _rows([0], "task_created", task)
        del row["user_id"]
        writes.statement(functools.partial(_notify_audience_statement, *shape), ("task_created", *shape),
                         {**row, **_audience_params(task)})


_installed = False


def install_hooks() -> None:
    """Notify every new human task, whichever path created it (engine step, start, return),
    and give the outbox this domain's channels (group robots, SMS)."""
    global _installed
    if not _installed:
        on_tasks_created.append(_notify_new_tasks)
        register_channel("robot", post_robot)
        register_channel("sms", send_sms)
        _installed = True


def notify_overdue_tasks(limit: int = 500) -> int:
    """Tell the people of each open task past its deadline, once per task.

    Run by the background worker; returns how many tasks were reported.
    """
    told = select(Notification.task_id).where(Notification.kind == "overdue",
                                              Notification.task_id.isnot(None))
    rows = db.session.scalars(select(HumanTask).where(
        HumanTask.status == TaskStatus.open.value, HumanTask.due_at < utcnow(),
        HumanTask.id.not_in(told)).order_by(HumanTask.due_at).limit(limit)).all()
    for task in rows:
        # A task nobody holds the role for is the administrators' problem.
        audience = task_audience(db.session, task) or list(db.session.scalars(
            select(User.id).where(User.is_admin.is_(True), User.is_active_user.is_(True))))
        notify_users(audience, "overdue", task)
        announce_task("task_overdue", task)
    return len(rows)


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def list_notifications(user_id: int, limit: int, offset: int = 0):
    query = select(Notification).where(Notification.user_id == user_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Notification.id.desc()).limit(limit).offset(offset)).all()
    return rows, total


def mark_read(notification_id: int, user_id: int) -> Notification:
    """Raises NotFound for someone else's notification."""
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != user_id:
        raise NotFound("no such notification")
    note.read_at = note.read_at or utcnow()
    return note


def mark_all_read(user_id: int) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user_id,
                                                  Notification.read_at.is_(None)).values(read_at=utcnow()))
