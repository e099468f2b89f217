"""Names for the codes a person would otherwise read: processes, org units and their
kinds, roles. Pages and exports call these instead of printing keys; a code without a
name (a process deleted since, a role added to the data only) is shown as it is."""
from __future__ import annotations

import json

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..definitions.models import ProcessDefinition
from ..extensions import db
from ..identity.models import OrgUnit

ROLE_NAMES = {
    "grid_worker": _l("Grid worker"), "community_staff": _l("Community worker"),
    "community_secretary": _l("Community secretary"), "street_officer": _l("Street officer"),
    "street_party_committee": _l("Street Party working committee"), "supervisor": _l("Supervisor"),
    "department_handler": _l("Department handler"), "org_department": _l("Organisation department"),
    "housing_office": _l("Housing office"), "unit_party_secretary": _l("Employer unit Party secretary"),
    "party_member": _l("Party member"), "designer": _l("Process designer"), "admin": _l("Administrator"),
}
KIND_NAMES = {"district": _l("District"), "street": _l("Street"), "community": _l("Community"),
              "grid": _l("Grid"), "department": _l("Department"), "unit": _l("Employer unit")}

#: Process categories: the last part of a diagram's targetNamespace (where Camunda
#: Modeler keeps it), e.g. http://govflow.cn/bpmn/case.
CATEGORY_NAMES = {"case": _l("Residents' requests and incidents"), "dual": _l("Dual reporting"),
                  "owners": _l("Homeowners' committees"), "branch": _l("Party branch rectification")}


def category_name(code: str | None) -> str:
    if not code or code == "—":
        return str(_l("Uncategorised"))
    return str(CATEGORY_NAMES.get(code, code))


def role_name(code: str | None) -> str:
    return str(ROLE_NAMES.get(code or "", code or ""))


def role_names(codes) -> str:
    return "、".join(role_name(c) for c in codes or [])


def kind_name(kind) -> str:
    kind = getattr(kind, "value", kind)
    return str(KIND_NAMES.get(kind, kind or ""))


def _cached(name: str, load) -> dict:
    """A code → name table, loaded once per request (pages show many rows of few codes)."""
    if name not in g:
        setattr(g, name, load())
    return getattr(g, name)


def process_names() -> dict[str, str]:
    """Key → the name of its newest version."""
    def load():
        rows = db.session.execute(select(ProcessDefinition.key, ProcessDefinition.name)
                                  .order_by(ProcessDefinition.version)).all()
        return {key: name or key for key, name in rows}
    return _cached("_process_names", load)


def process_name(key: str | None) -> str:
    return process_names().get(key or "", key or "")


def unit_names() -> dict[str, str]:
    """Code → name of every org unit."""
    return _cached("_unit_names", lambda: dict(db.session.execute(select(OrgUnit.code, OrgUnit.name)).all()))


def unit_name(code: str | None) -> str:
    return unit_names().get(code or "", code or "")


def readable(value) -> str:
    """A variable's value as a person reads it: text as text (an org unit's code as its
    name), yes/no, lists joined, objects as JSON with their characters (not \\u escapes)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, str):
        return unit_names().get(value) or str(ROLE_NAMES.get(value, value))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return "、".join(readable(v) for v in value)
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return " / ".join(readable(v) for v in value)
    if isinstance(value, dict) and all(isinstance(v, (str, int, float, bool, list)) or v is None
                                       for v in value.values()):
        return "；".join(f"{k}：{readable(v)}" for k, v in value.items())
    return json.dumps(value, ensure_ascii=False, default=str)


def register(app) -> None:
    for helper in (role_name, role_names, kind_name, process_name, unit_name, category_name):
        app.jinja_env.globals[helper.__name__] = helper
    app.jinja_env.filters["readable"] = readable
