"""The statistics page (/admin/statistics): figures computed by the database.

Case handling (``case_handling``) is counted from its ledger (台账) lines, which
the case's service tasks write at each fact (received, responded, resolved,
rated, a department late…). Each case's lines are folded into one row of facts
(table ``case_facts``, kept up to date by admin/facts.py); the tables group those
rows by community, department, category and month. Nothing decodes an
instance's variables in Python, and no page reads every ledger line.

The other processes are counted from the instance rows (cases per current step)
and the human-task rows (mean time from a task's creation to its completion).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, literal, select

from ..database import is_postgres
from ..extensions import db
from ..identity.access import Principal, administered_clause
from ..identity.models import OrgUnit
from ..instances.models import InstanceStatus, ProcessInstance
from ..instances.trials import real_instances
from ..tasks.case_common import CATEGORY_NAMES
from ..worklist.models import HumanTask, TaskStatus
from .facts import refresh_case_facts
from .models import CaseFact, CaseFactDepartment

CASE_PROCESS = "case_handling"
OTHER_PROCESSES = ("owners_committee_formation", "weak_branch_rectification", "dual_reporting",
                   "dual_reporting_unit")
DIMENSIONS = ("community", "department", "category", "month")
FIGURES = ("cases", "response_rate", "resolution_rate", "satisfaction_rate", "overdue", "mean_hours")


@dataclass
class Period:
    """Cases reported from ``start`` to ``end`` (local dates, both included)."""
    start: date | None = None
    end: date | None = None


# -- portable SQL pieces ---------------------------------------------------------
def _local_month(column, tz_name: str):
    """'YYYY-MM' of a naive-UTC timestamp column in the local zone."""
    if is_postgres():
        return func.to_char(func.timezone(tz_name, func.timezone("UTC", column)), "YYYY-MM")
    # SQLite has no zone data: the zone's present offset (exact for zones without DST).
    minutes = int((ZoneInfo(tz_name).utcoffset(datetime.now()) or timedelta(0)).total_seconds() // 60)
    return func.strftime("%Y-%m", column, f"{minutes:+d} minutes")


def _hours_between(start, end):
    if is_postgres():
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def counted_instances(p: Principal):
    """SQL over ProcessInstance: the instances the figures count for ``p`` — real ones
    (not a designer's trial run) in the units ``p`` administers."""
    scope = administered_clause(p, ProcessInstance.org_path)
    return real_instances() if scope is None else and_(real_instances(), scope)


def case_facts(p: Principal, by_department: bool = False):
    """One row per case counted for ``p`` (table ``case_facts``, brought up to date
    first by the caller); ``by_department``: one row per case and department it was
    sent to (column ``department``)."""
    F = CaseFact.__table__
    counted = select(ProcessInstance.id).where(counted_instances(p))
    if not by_department:
        return select(F).where(F.c.instance_id.in_(counted)).subquery("facts")
    D = CaseFactDepartment.__table__
    return (select(F, D.c.department_id.label("department"))
            .join(D, D.c.instance_id == F.c.instance_id).where(F.c.instance_id.in_(counted)).subquery("facts"))


def _figures(facts):
    return (func.count().label("cases"), func.sum(facts.c.responded).label("responded"),
            func.sum(facts.c.in_time).label("in_time"), func.sum(facts.c.resolved).label("resolved"),
            func.sum(facts.c.rated).label("rated"), func.sum(facts.c.satisfied).label("satisfied"),
            func.sum(facts.c.overdue).label("overdue"), func.sum(facts.c.hours).label("hours"),
            func.count(facts.c.hours).label("timed"))


def _rate(hits, base) -> float | None:
    return round(100.0 * float(hits or 0) / float(base), 1) if base else None


SUMS = ("cases", "responded", "in_time", "resolved", "rated", "satisfied", "overdue", "hours", "timed")


def _row(key, label, r: dict) -> dict:
    return {"key": key, "label": label, "cases": int(r["cases"] or 0),
            "response_rate": _rate(r["in_time"], r["responded"]), "resolution_rate": _rate(r["resolved"], r["cases"]),
            "satisfaction_rate": _rate(r["satisfied"], r["rated"]), "overdue": int(r["overdue"] or 0),
            "mean_hours": round(float(r["hours"]) / r["timed"], 1) if r["timed"] else None}


def _in_period(query, facts, period: Period, tz_name: str):
    query = query.where(facts.c.reported_at.isnot(None))
    offset = ZoneInfo(tz_name).utcoffset(datetime.now()) or timedelta(0)
    if period.start:
        query = query.where(facts.c.reported_at >= datetime.combine(period.start, datetime.min.time()) - offset)
    if period.end:
        query = query.where(facts.c.reported_at < datetime.combine(period.end + timedelta(days=1),
                                                                   datetime.min.time()) - offset)
    return query


def _unit_names(ids) -> dict[int, OrgUnit]:
    ids = {i for i in ids if i}
    return {u.id: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))} if ids else {}


def _sums(rows, key_of) -> dict:
    """Adds up the figures of ``rows`` per ``key_of(row)``."""
    out: dict = {}
    for r in rows:
        total = out.setdefault(key_of(r), dict.fromkeys(SUMS, 0))
        for name in SUMS:
            total[name] += getattr(r, name) or 0
    return out


def case_tables(p: Principal, tz_name: str, period: Period | None = None) -> dict[str, list[dict]]:
    """The case-handling figures of the cases counted for ``p`` (:func:`counted_instances`)
    by community, department, category and month.

    Response rate: answered within the response limit among answered (or escalated)
    cases; resolution rate: resolved among all cases; satisfaction rate: satisfied or
    basically satisfied among rated cases; overdue: cases with a department late;
    mean hours: report to (latest) resolution, among resolved cases.

    Two queries: the facts grouped by (community, category, month) — a few thousand
    rows at most, whose sums are added up per dimension here — and by department.
    """
    period = period or Period()
    refresh_case_facts()
    facts = case_facts(p)
    month = _local_month(facts.c.reported_at, tz_name)
    keys = (facts.c.community_id.label("community"), facts.c.category.label("category"), month.label("month"))
    cells = db.session.execute(_in_period(select(*keys, *_figures(facts)).select_from(facts), facts, period, tz_name)
                               .group_by(*keys)).all()
    sent = case_facts(p, by_department=True)
    by_department = db.session.execute(_in_period(
        select(sent.c.department, *_figures(sent)).select_from(sent), sent, period, tz_name)
        .group_by(sent.c.department)).all()

    sums = {"community": _sums(cells, lambda r: r.community), "category": _sums(cells, lambda r: r.category),
            "month": _sums(cells, lambda r: r.month), "department": _sums(by_department, lambda r: r.department)}
    units = _unit_names(list(sums["community"]) + list(sums["department"]))
    label = {"community": lambda k: units[k].name if k in units else "—",
             "department": lambda k: units[k].name if k in units else "—",
             "category": lambda k: CATEGORY_NAMES.get(k, k or "—"), "month": lambda k: k}
    tables = {}
    for dimension in DIMENSIONS:
        rows = [_row(units[k].code if dimension in ("community", "department") and k in units else k,
                     label[dimension](k), r) for k, r in sums[dimension].items()]
        tables[dimension] = sorted(rows, key=lambda r: (r["key"] is None, str(r["key"] or "")))
    return tables


def case_table(p: Principal, dimension: str, tz_name: str, period: Period | None = None) -> list[dict]:
    """One table of :func:`case_tables`."""
    return case_tables(p, tz_name, period)[dimension]


# -- the other processes ------------------------------------------------------------
def stage_counts(p: Principal, processes=OTHER_PROCESSES) -> list[dict]:
    """Instances counted for ``p`` per process and stage: the current step(s) of running
    ones, the status of the others."""
    PI = ProcessInstance
    running = PI.status.in_((InstanceStatus.active.value, InstanceStatus.error.value,
                             InstanceStatus.suspended.value))
    stage = case((running, func.coalesce(PI.current_steps, literal(""))), else_=literal(""))
    rows = db.session.execute(select(PI.process_key, PI.status, stage.label("stage"), func.count().label("n"))
                              .where(PI.process_key.in_(processes), counted_instances(p))
                              .group_by(PI.process_key, PI.status, stage)).all()
    out = [{"process": r.process_key, "status": r.status, "stage": r.stage or None, "count": int(r.n)}
           for r in rows]
    return sorted(out, key=lambda r: (r["process"], r["status"], r["stage"] or ""))


def step_times(p: Principal, processes=OTHER_PROCESSES) -> list[dict]:
    """Completed human tasks of the instances counted for ``p``, per process and step,
    with their mean hours from creation to completion."""
    T = HumanTask
    hours = _hours_between(T.created_at, T.completed_at)
    rows = db.session.execute(select(T.process_key, T.element_id, func.max(T.name).label("name"),
                                     func.count().label("n"), func.avg(hours).label("hours"))
                              .where(T.process_key.in_(processes), T.status == TaskStatus.completed.value,
                                     T.completed_at.isnot(None),
                                     T.instance_id.in_(select(ProcessInstance.id).where(counted_instances(p))))
                              .group_by(T.process_key, T.element_id)).all()
    out = [{"process": r.process_key, "element_id": r.element_id, "name": r.name, "count": int(r.n),
            "mean_hours": round(float(r.hours), 2) if r.hours is not None else None} for r in rows]
    return sorted(out, key=lambda r: (r["process"], r["element_id"]))
