"""The admin dashboard's figures: SLA lights of open tasks, the supervision (督办) queue,
and the case-handling 三率 by community and month.

Lights and the queue read open tasks only (today's work, not history) and are
counted by the database: a GROUP BY over the light of each task, so a dashboard
costs the same at 100,000 instances as at 1,000 (docs/PERFORMANCE.md, target 4).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import timezone
from zoneinfo import ZoneInfo

from sqlalchemy import String, case, cast, func, or_, select

from ..database import epoch_seconds
from ..extensions import db
from ..identity.models import OrgUnit
from ..instances.models import ProcessInstance
from ..timeutil import utcnow
from ..worklist.models import HumanTask, TaskStatus

LIGHTS = ("green", "yellow", "red", "none")
SUPERVISION_ELEMENT = "supervise"
SUPERVISION_ROLE = "supervisor"


def _units(ids) -> dict[int, OrgUnit]:
    ids = {i for i in ids if i}
    return {u.id: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))} if ids else {}


def open_tasks():
    """The open tasks, as a statement the figures below narrow and count."""
    return select(HumanTask).where(HumanTask.status == TaskStatus.open.value)


def light_of(now, yellow_at: float):
    """SQL twin of :func:`govflow.worklist.inbox.deadline_light` for open tasks:
    red when due, yellow once ``yellow_at`` of the allowed time is used, else green."""
    used_enough = (1 - yellow_at) * epoch_seconds(HumanTask.created_at) + yellow_at * epoch_seconds(HumanTask.due_at)
    return case((HumanTask.due_at.is_(None), "none"), (HumanTask.due_at <= now, "red"),
                (or_(HumanTask.due_at <= HumanTask.created_at,
                     used_enough <= now.replace(tzinfo=timezone.utc).timestamp()), "yellow"), else_="green")


def light_table(tasks, yellow_at: float) -> list[dict]:
    """One row per scope org unit (grids, communities, departments…): counts per light."""
    light = light_of(utcnow(), yellow_at).label("light")
    grouped = db.session.execute(tasks.with_only_columns(HumanTask.scope_org_unit_id, light, func.count())
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


def _community_of(unit: OrgUnit | None, by_id: dict[int, OrgUnit]) -> OrgUnit | None:
    """The unit itself when a community, else its nearest community ancestor, else the unit."""
    if unit is None:
        return None
    for uid in reversed([int(x) for x in unit.path.strip("/").split("/") if x]):
        candidate = by_id.get(uid)
        if candidate is not None and candidate.kind == "community":
            return candidate
    return unit


def _rate(hits: int, base: int) -> float | None:
    return round(100 * hits / base, 1) if base else None


def case_rates(tz_name: str, process_key: str = "case_handling") -> list[dict]:
    """三率 by community and month of report (local time), from the instances' variables:
    response rate = responded_in_time among cases with a response; resolution rate =
    resolved among all cases; satisfaction rate = satisfied among rated cases."""
    tz = ZoneInfo(tz_name)
    rows = db.session.execute(select(ProcessInstance.org_unit_id, ProcessInstance.started_at,
                                     ProcessInstance.variables)
                              .where(ProcessInstance.process_key == process_key)).all()
    units = _units(r.org_unit_id for r in rows)
    ancestors = _units(int(x) for u in units.values() for x in u.path.strip("/").split("/") if x)
    groups: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        community = _community_of(units.get(r.org_unit_id), ancestors)
        month = r.started_at.replace(tzinfo=timezone.utc).astimezone(tz).strftime("%Y-%m")
        v, g = r.variables or {}, groups[(community.id if community else None, month)]
        g["cases"] += 1
        if v.get("responded_in_time") is not None:
            g["responded"] += 1
            g["in_time"] += bool(v["responded_in_time"])
        g["resolved"] += bool(v.get("resolved"))
        if v.get("satisfied") is not None:
            g["rated"] += 1
            g["satisfied"] += bool(v["satisfied"])
    out = []
    for (uid, month), g in groups.items():
        out.append({"unit": ancestors.get(uid), "month": month, "cases": g["cases"],
                    "response_rate": _rate(g["in_time"], g["responded"]),
                    "resolution_rate": _rate(g["resolved"], g["cases"]),
                    "satisfaction_rate": _rate(g["satisfied"], g["rated"])})
    return sorted(out, key=lambda r: (r["month"], r["unit"].path if r["unit"] else ""), reverse=False)
