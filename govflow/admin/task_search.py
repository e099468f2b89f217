"""Ledger filters on the instances' open tasks, for the dashboard's drill-down.

The dashboard counts *tasks* by the unit they are scoped to (a department's
tasks lie in cases started in grids) and by candidate role; clicking a count
lists the instances with such an open task. ``queries.instance_query`` filters
on the instance itself; these clauses narrow it further.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import exists, select

from ..errors import ValidationFailed
from ..extensions import db
from ..identity.access import path_prefix_clause
from ..identity.models import OrgUnit
from ..instances.models import ProcessInstance
from ..timeutil import utcnow
from ..worklist.inbox import deadline_light
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


def filtered_query(f: InstanceFilter, args):
    query = instance_query(f)
    for clause in task_clauses(args, f.overdue):
        query = query.where(clause)
    return query


def search_page(f: InstanceFilter, args, page_size: int = PAGE_SIZE) -> InstancePage:
    rows = list(db.session.scalars(filtered_query(f, args).limit(page_size + 1).offset((f.page - 1) * page_size)))
    return InstancePage(rows[:page_size], f.page, len(rows) > page_size)


def role_lights(tasks: list[HumanTask], yellow_at: float) -> list[dict]:
    """Open tasks per candidate role (the owners: 网格员, 职能部门经办人, 督办员…) by light."""
    now = utcnow()
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(("green", "yellow", "red", "none"), 0))
    for t in tasks:
        for role in t.candidate_groups or ["—"]:
            counts[role][deadline_light(t, now, yellow_at) or "none"] += 1
    return [{"role": role, **c, "total": sum(c.values())} for role, c in sorted(counts.items())]
