"""The instance search behind /admin/instances and its exports (台账).

Reads only the indexed ``process_instances`` and ``tasks`` tables, never saved
engine states. Paging is limit/offset over ``(started_at desc, id desc)``,
which ``ix_instances_started`` serves.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, select

from ..database import plan_for_these_values
from ..errors import ValidationFailed
from ..extensions import db
from ..identity.access import path_prefix_clause
from ..identity.models import OrgUnit
from ..instances.models import InstanceStatus, ProcessInstance
from ..instances.trials import real_instances
from ..timeutil import utcnow
from ..web.paging import int_arg
from ..worklist.models import HumanTask, TaskStatus

PAGE_SIZE = 50
#: Exports stop here; a larger ledger should be narrowed by the filters.
EXPORT_LIMIT = 50_000


@dataclass
class InstanceFilter:
    process: str | None = None
    version: int | None = None
    status: str | None = None
    org: str | None = None          #: org unit code; its sub-units are included
    started_from: date | None = None
    started_to: date | None = None
    ended_from: date | None = None
    ended_to: date | None = None
    business_key: str | None = None
    var_name: str | None = None
    var_value: str | None = None
    step: str | None = None
    overdue: bool = False
    page: int = 1
    errors: dict = field(default_factory=dict)


def _number(args, name: str, errors: dict) -> int | None:
    """A whole-number argument (web/paging.py bounds it), its error collected with the others."""
    try:
        return int_arg(args, name)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        return None


def _date(args, name: str, errors: dict) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = ["a date YYYY-MM-DD"]
        return None


def parse_filter(args) -> InstanceFilter:
    """An InstanceFilter from query arguments; bad values are dropped and named in ``errors``."""
    errors: dict = {}
    text = {k: (args.get(k) or "").strip() or None
            for k in ("process", "status", "org", "business_key", "var_name", "var_value", "step")}
    version = _number(args, "version", errors)
    if text["status"] and text["status"] not in InstanceStatus.__members__:
        errors["status"] = [f"one of {', '.join(InstanceStatus.__members__)}"]
        text["status"] = None
    return InstanceFilter(version=version, page=_number(args, "page", errors) or 1, overdue=args.get("overdue") in ("1", "on", "true"),
                          started_from=_date(args, "started_from", errors),
                          started_to=_date(args, "started_to", errors),
                          ended_from=_date(args, "ended_from", errors),
                          ended_to=_date(args, "ended_to", errors),
                          errors=errors, **text)


def _start_of(d: date) -> datetime:
    return datetime.combine(d, time.min)


def instance_query(f: InstanceFilter):
    """The filtered select of ProcessInstance rows, newest first; never a designer's
    trial run (followed in the designer)."""
    q = select(ProcessInstance).where(real_instances())
    PI = ProcessInstance
    if f.process:
        q = q.where(PI.process_key == f.process)
    if f.version is not None:
        q = q.where(PI.version == f.version)
    if f.status:
        q = q.where(PI.status == f.status)
    if f.org:
        unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == f.org))
        if unit is None:
            raise ValidationFailed(f"unknown org unit '{f.org}'", {"org": ["an org unit code"]})
        q = q.where(path_prefix_clause(PI.org_path, unit.path))
    if f.started_from:
        q = q.where(PI.started_at >= _start_of(f.started_from))
    if f.started_to:
        q = q.where(PI.started_at < _start_of(f.started_to + timedelta(days=1)))
    if f.ended_from:
        q = q.where(PI.ended_at >= _start_of(f.ended_from))
    if f.ended_to:
        q = q.where(PI.ended_at < _start_of(f.ended_to + timedelta(days=1)))
    if f.business_key:
        q = q.where(PI.business_key == f.business_key)
    if f.var_name:
        value = PI.variables[f.var_name]
        if f.var_value is None:
            q = q.where(value.isnot(None))
        else:
            q = q.where(value.as_string() == f.var_value)
    if f.step:
        q = q.where(exists().where(HumanTask.instance_id == PI.id, HumanTask.status == TaskStatus.open.value,
                                   (HumanTask.element_id == f.step) | (HumanTask.name == f.step)))
    if f.overdue:
        q = q.where(exists().where(HumanTask.instance_id == PI.id, HumanTask.status == TaskStatus.open.value,
                                   HumanTask.due_at < utcnow()))
    return q.order_by(PI.started_at.desc(), PI.id.desc())


@dataclass
class InstancePage:
    rows: list
    page: int
    has_next: bool


def search_instances(f: InstanceFilter, page_size: int = PAGE_SIZE) -> InstancePage:
    q = instance_query(f).limit(page_size + 1).offset((f.page - 1) * page_size)
    plan_for_these_values()
    rows = list(db.session.scalars(q))
    return InstancePage(rows[:page_size], f.page, len(rows) > page_size)


def ledger_rows(f: InstanceFilter) -> list[ProcessInstance]:
    return list(db.session.scalars(instance_query(f).limit(EXPORT_LIMIT)))


def org_names(ids) -> dict[int, str]:
    ids = set(ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids))).all())
