"""Ledger filters on the instances' open tasks, for the dashboard's drill-down.

The dashboard counts *tasks* by the unit they are scoped to (a department's
tasks lie in cases started in grids) and by candidate role; clicking a count
lists the instances with such an open task. ``queries.instance_query`` filters
on the instance itself; these clauses narrow it further.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Result, and_, exists, func, literal, select

from ..errors import ValidationFailed
from ..extensions import db
from ..identity.access import path_prefix_clause
from ..identity.models import OrgUnit
from ..instances.models import ProcessInstance
from ..timeutil import utcnow
from ..worklist.models import HumanTask, TaskCandidate, TaskStatus
from .queries import PAGE_SIZE, InstanceFilter, InstancePage, instance_query

TASK_ARGS = ("task_org", "role")


def task_clauses(args, overdue: bool) -> list:
    """``task_org`` (unit code: an open task scoped in it or below) and ``role`` (an
    open task offered to that role); with ``overdue`` the task itself must be late.
    Raises ValidationFailed for an unknown unit."""
    open_task = [HumanTask.instance_id == ProcessInstance.id, HumanTask.status == TaskStatus.open.value]
    if overdue:
        open_task.append(HumanTask.due_at < utcnow())
    clauses = []
    code = (args.get("task_org") or "").strip()
    if code:
        unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))
        if unit is None:
            raise ValidationFailed(f"unknown org unit '{code}'", {"task_org": ["an org unit code"]})
        clauses.append(exists().where(*open_task, path_prefix_clause(HumanTask.scope_path, unit.path)))
    role = (args.get("role") or "").strip()
    if role:
        clauses.append(exists().where(*open_task, TaskCandidate.task_id == HumanTask.id, TaskCandidate.role == role))
    return clauses


def filtered_query(f: InstanceFilter, args, scope=None):
    """The instances of the filter; ``scope`` (admin.access.console_scope) limits
    them to what the reader administers."""
    query = instance_query(f)
    if scope is not None:
        query = query.where(scope)
    for clause in task_clauses(args, f.overdue):
        query = query.where(clause)
    return query


def search_page(f: InstanceFilter, args, page_size: int = PAGE_SIZE, scope=None) -> InstancePage:
    rows = list(db.session.scalars(filtered_query(f, args, scope).limit(page_size + 1).offset((f.page - 1) * page_size)))
    return InstancePage(rows[:page_size], f.page, len(rows) > page_size)


def role_lights(tasks, yellow_at: float) -> list[dict]:
    """Open tasks per candidate role (the owners: 网格员, 职能部门经办人, 督办员…) by light,
    counted by the database over the open tasks' candidate rows; ``tasks`` is the
    statement of dashboard.open_tasks()."""
    from .dashboard import LIGHTS, light_of  # dashboard imports nothing of this module
    light = light_of(utcnow(), yellow_at).label("light")
    open_ = tasks.with_only_columns(HumanTask.id, light).subquery()
    role = func.coalesce(TaskCandidate.role, literal("—"))
    grouped: Result[str, str, int] = db.session.execute(
        select(role, open_.c.light, func.count(func.distinct(open_.c.id)))
        .select_from(open_)
        .outerjoin(TaskCandidate, and_(TaskCandidate.task_id == open_.c.id, TaskCandidate.role.isnot(None)))
        .group_by(role, open_.c.light))
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LIGHTS, 0))
    for name, colour, n in grouped:
        counts[name][colour] += n
    return [{"role": name, **c, "total": sum(c.values())} for name, c in sorted(counts.items())]
