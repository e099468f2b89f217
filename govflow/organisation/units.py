"""The org tree: creating, renaming, moving and deactivating units.

Moving a unit re-paths its whole subtree. Process instances, human tasks and
task candidates keep a copy of their unit's path (for index-friendly
jurisdiction queries), so the same prefix rewrite is applied to them in the same
transaction: open work follows its unit to the new parent's jurisdiction, and
the instance ledger's subtree searches stay right. Nothing else stores paths.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, literal, select, update

from ..errors import Conflict, ValidationFailed
from ..extensions import PATH_TYPE, db
from ..identity.access import Principal, path_prefix_clause
from ..identity.models import OrgKind, OrgUnit, RoleGrant, User
from ..identity.service import find_org_unit, get_org_unit
from ..instances.models import ProcessInstance
from ..worklist.models import HumanTask, TaskCandidate
from .audit import record

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
NAME_MAX = 200

#: Paths copied from org units elsewhere, rewritten on a move.
PATH_COPIES = ((ProcessInstance, ProcessInstance.org_path), (HumanTask, HumanTask.scope_path),
               (TaskCandidate, TaskCandidate.scope_path))


def check_unit_fields(code: str | None, name: str | None, kind: str | None) -> dict[str, list[str]]:
    """Field errors of a new unit (empty when fine); shared by the forms, the API and the import."""
    errors: dict[str, list[str]] = {}
    if code is not None and not CODE_PATTERN.match(code):
        errors["code"] = ["1–64 letters, digits, '_', '-' or '.'"]
    if name is not None and not name.strip():
        errors["name"] = ["required"]
    elif name is not None and len(name) > NAME_MAX:
        errors["name"] = [f"at most {NAME_MAX} characters"]
    if kind is not None and kind not in OrgKind.__members__:
        errors["kind"] = [f"one of {', '.join(OrgKind.__members__)}"]
    return errors


def _active_parent(code: str | None) -> OrgUnit | None:
    if not code:
        return None
    parent = get_org_unit(code)
    if not parent.is_active:
        raise ValidationFailed(f"org unit '{code}' is deactivated", {"parent": ["deactivated"]})
    return parent


def create_unit(actor: Principal, code: str, name: str, kind: str, parent_code: str | None) -> OrgUnit:
    code, name = (code or "").strip(), (name or "").strip()
    errors = check_unit_fields(code, name, kind)
    if errors:
        raise ValidationFailed("invalid org unit", errors)
    if find_org_unit(code) is not None:
        raise ValidationFailed(f"org unit '{code}' exists already", {"code": ["taken"]})
    parent = _active_parent(parent_code)
    unit = OrgUnit(code=code, name=name, kind=kind, parent=parent)
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    record(actor, "unit.create", org_unit_id=unit.id,
           detail=f"{code} {name} ({kind}) under {parent.code if parent else '-'}")
    return unit


def rename_unit(actor: Principal, code: str, name: str) -> OrgUnit:
    unit, name = get_org_unit(code), (name or "").strip()
    errors = check_unit_fields(None, name, None)
    if errors:
        raise ValidationFailed("invalid name", errors)
    if name != unit.name:
        record(actor, "unit.rename", org_unit_id=unit.id, detail=f"{unit.name} → {name}")
        unit.name = name
    return unit


def move_unit(actor: Principal, code: str, parent_code: str) -> OrgUnit:
    """Re-parents ``code`` and rewrites every stored path of its subtree (see the module docstring)."""
    unit, parent = get_org_unit(code), _active_parent(parent_code)
    if parent is None:
        raise ValidationFailed("a new parent is required", {"parent": ["required"]})
    if parent.path.startswith(unit.path):
        raise ValidationFailed("a unit cannot move into its own subtree", {"parent": ["inside the unit itself"]})
    if parent.id == unit.parent_id:
        return unit
    old, new = unit.path, f"{parent.path}{unit.id}/"
    old_parent = unit.parent.code if unit.parent else "-"
    for model, column in ((OrgUnit, OrgUnit.path),) + PATH_COPIES:
        db.session.execute(
            update(model).where(path_prefix_clause(column, old))
            .values({column: literal(new, PATH_TYPE).concat(func.substr(column, len(old) + 1))})
            .execution_options(synchronize_session=False))
    unit.parent_id = parent.id
    db.session.flush()
    db.session.expire_all()
    record(actor, "unit.move", org_unit_id=unit.id, detail=f"{old_parent} → {parent.code}")
    return get_org_unit(code)


def set_unit_active(actor: Principal, code: str, active: bool) -> OrgUnit:
    """Deactivation keeps the row (instances, tasks and grants refer to it); it refuses
    while active sub-units remain, and reactivation while the parent is deactivated."""
    unit = get_org_unit(code)
    if unit.is_active == active:
        return unit
    if not active and any(c.is_active for c in unit.children):
        raise Conflict("deactivate the sub-units first", {"code": ["has active sub-units"]})
    if active and unit.parent is not None and not unit.parent.is_active:
        raise Conflict("reactivate the parent first", {"parent": ["deactivated"]})
    unit.is_active = active
    record(actor, "unit.activate" if active else "unit.deactivate", org_unit_id=unit.id, detail=unit.code)
    return unit


@dataclass
class TreeNode:
    unit: OrgUnit
    users: int
    children: list[TreeNode]

    @property
    def subtree_users(self) -> int:
        return self.users + sum(c.subtree_users for c in self.children)


def org_tree() -> list[TreeNode]:
    """All units as a forest, with the number of active users granted a role at each unit."""
    counts = dict(db.session.execute(
        select(RoleGrant.org_unit_id, func.count(func.distinct(RoleGrant.user_id)))
        .join(User, User.id == RoleGrant.user_id).where(User.is_active_user.is_(True))
        .group_by(RoleGrant.org_unit_id)).all())
    nodes: dict[int, TreeNode] = {}
    roots: list[TreeNode] = []
    for unit in db.session.scalars(select(OrgUnit).order_by(OrgUnit.path)):
        node = nodes[unit.id] = TreeNode(unit, counts.get(unit.id, 0), [])
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent else roots).append(node)
    order = list(OrgKind.__members__)
    for node in [*roots, *nodes.values()]:
        node.children.sort(key=lambda n: (order.index(n.unit.kind) if n.unit.kind in order else 99, n.unit.code))
    return roots

