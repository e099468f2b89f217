"""The admin dashboard's figures: SLA lights of open tasks and the supervision (督办) queue
(三率 and the other statistics: admin/statistics.py).

Lights and the queue read open tasks only (today's work, not history) and are
counted by the database: a GROUP BY over the light of each task, so a dashboard
costs the same at 100,000 instances as at 1,000 (docs/PERFORMANCE.md, target 4).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC

from sqlalchemy import Result, String, case, cast, func, or_, select

from ..database import epoch_seconds
from ..extensions import db
from ..identity.access import Principal, administered_clause
from ..identity.models import OrgUnit
from ..timeutil import utcnow
from ..worklist.models import HumanTask, TaskStatus

LIGHTS = ("green", "yellow", "red", "none")
SUPERVISION_ELEMENT = "supervise"
SUPERVISION_ROLE = "supervisor"


def _units(ids) -> dict[int, OrgUnit]:
    ids = {i for i in ids if i}
    return {u.id: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))} if ids else {}


def open_tasks(p: Principal):
    """The open tasks of the units ``p`` administers (never of a designer's trial run),
    as a statement the figures below narrow and count."""
    query = select(HumanTask).where(HumanTask.status == TaskStatus.open.value, HumanTask.is_trial.is_(False))
    scope = administered_clause(p, HumanTask.scope_path)
    return query if scope is None else query.where(scope)


def light_of(now, yellow_at: float):
    """SQL twin of :func:`govflow.worklist.inbox.deadline_light` for open tasks:
    red when due, yellow once ``yellow_at`` of the allowed time is used, else green."""
    used_enough = (1 - yellow_at) * epoch_seconds(HumanTask.created_at) + yellow_at * epoch_seconds(HumanTask.due_at)
    return case((HumanTask.due_at.is_(None), "none"), (HumanTask.due_at <= now, "red"),
                (or_(HumanTask.due_at <= HumanTask.created_at,
                     used_enough <= now.replace(tzinfo=UTC).timestamp()), "yellow"), else_="green")


def light_table(tasks, yellow_at: float) -> list[dict]:
    """One row per scope org unit (grids, communities, departments…): counts per light."""
    light = light_of(utcnow(), yellow_at).label("light")
    grouped: Result[int, str, int] = db.session.execute(tasks.with_only_columns(HumanTask.scope_org_unit_id, light, func.count())
                                 .group_by(HumanTask.scope_org_unit_id, light))
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LIGHTS, 0))
    for unit_id, colour, n in grouped:
        counts[unit_id][colour] += n
    units = _units(counts)
    rows = [{"unit": units.get(uid), **c, "total": sum(c.values())} for uid, c in counts.items()]
    return sorted(rows, key=lambda r: (r["unit"].path if r["unit"] else ""))


def supervision_queue(tasks) -> list[HumanTask]:
    """Open 督办 tasks: the ``supervise`` element or offered to the supervisor role; oldest due first."""
    # The JSON text match narrows in SQL; the exact role check follows in Python.
    offered = cast(HumanTask.candidate_groups, String).like(f'%"{SUPERVISION_ROLE}"%')
    queue = [t for t in db.session.scalars(tasks.where(or_(HumanTask.element_id == SUPERVISION_ELEMENT, offered)))
             if t.element_id == SUPERVISION_ELEMENT or SUPERVISION_ROLE in (t.candidate_groups or [])]
    return sorted(queue, key=lambda t: (t.due_at is None, t.due_at or t.created_at, t.id))
