"""Importing org units and users from a spreadsheet: check every row, then import the good ones.

:func:`check_rows` never writes: it returns the rows to import (units ordered
parents first, whatever the file's order) and one rejection per problem, naming
the row, the column and the reason. :func:`apply_plan` imports the accepted rows
in the caller's transaction, so a failure leaves nothing half-imported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict
from ..extensions import db
from ..identity.access import Principal
from ..identity.models import ROLE_CODES, OrgKind, OrgUnit, RoleGrant, User
from ..identity.service import hash_password
from .audit import record
from .i18n import _
from .sheets import UNIT_HEADERS, UNIT_SHEET, USER_HEADERS, USER_SHEET, read_upload
from .units import check_unit_fields
from .users import check_user_fields

#: The kind column takes the codes or their Chinese names.
KIND_NAMES = {"区": "district", "区县": "district", "街道": "street", "乡镇": "street", "社区": "community",
              "村": "community", "网格": "grid", "职能部门": "department", "部门": "department",
              "单位": "unit", "机关企事业单位": "unit", **{k: k for k in OrgKind.__members__}}
_GRANT_SPLIT = re.compile(r"[;；,，、\s]+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Rejection:
    sheet: str
    row: int
    column: str
    reason: str
    value: str = ""


@dataclass
class ImportPlan:
    units: list[dict] = field(default_factory=list)
    users: list[dict] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({(r.sheet, r.row) for r in self.rejected})


def check_file(data: bytes, filename: str = "") -> ImportPlan:
    """Raises ValidationFailed (field ``file``) when the file itself is unusable."""
    return check_rows(read_upload(data, filename))


def check_rows(sheets: dict[str, list[tuple[int, list[str]]]]) -> ImportPlan:
    plan = ImportPlan()
    units = _check_units(sheets.get(UNIT_SHEET, []), plan)
    _check_users(sheets.get(USER_SHEET, []), plan, units)
    plan.rejected.sort(key=lambda r: (r.sheet != UNIT_SHEET, r.row))
    return plan


def apply_plan(actor: Principal, plan: ImportPlan) -> None:
    """Imports the accepted rows (flushes; the caller commits). Imported users have no
    password unless the file gave one: an administrator resets it before their first sign-in.

    Rows are added in bulk — a few flushes for the whole file, not several per row —
    because :func:`check_rows` has checked them against the same database already; a
    unit or user created meanwhile by someone else fails the flush as a Conflict.
    """
    units = {u.code: u for u in db.session.scalars(select(OrgUnit))}
    created: list[OrgUnit] = []
    for row in plan.units:  # parents first, so each parent is in ``units`` already
        unit = OrgUnit(code=row["code"], name=row["name"], kind=row["kind"], parent=units.get(row["parent"]))
        units[unit.code] = unit
        created.append(unit)
    db.session.add_all(created)
    _flush()
    for unit in created:
        unit.path = f"{unit.parent.path if unit.parent else '/'}{unit.id}/"
    users = []
    for row in plan.users:
        user = User(username=row["username"], display_name=row["display_name"], phone=row["phone"] or None,
                    password_hash=hash_password(row["password"]) if row["password"] else "")
        for spec in dict.fromkeys(row["grants"]):
            role, _sep, code = spec.partition("@")
            user.grants.append(RoleGrant(role=role, org_unit=units[code]))
        users.append(user)
    db.session.add_all(users)
    _flush()
    for unit in created:
        record(actor, "unit.create", org_unit_id=unit.id, detail=f"import: {unit.code} {unit.name}")
    for user in users:
        record(actor, "user.create", user_id=user.id,
               detail=f"import: {user.username} {' '.join(f'{g.role}@{g.org_unit.code}' for g in user.grants)}")
    if created or users:
        record(actor, "import", detail=f"{len(created)} units, {len(users)} users, {plan.rejected_rows} rows rejected")
    db.session.flush()


def _flush() -> None:
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise Conflict("units or users of the file were created meanwhile: check the file again") from exc


def _padded(cells: list[str], n: int) -> list[str]:
    return (cells + [""] * n)[:n]


def _formulas(sheet: str, number: int, headers: list[str], cells: list[str], plan: ImportPlan) -> set[str]:
    """Rejects cells that a spreadsheet would run as formulas; returns their columns."""
    bad = [(h, c) for h, c in zip(headers, cells) if c.startswith(_FORMULA_START)]
    for header, cell in bad:
        plan.rejected.append(Rejection(sheet, number, header, _("starts like a formula (=, +, -, @)"), cell))
    return {h for h, _c in bad}


def _check_units(rows, plan: ImportPlan) -> dict[str, bool]:
    """Adds the good unit rows to the plan, parents first; returns the codes usable in
    grants (``code → active``): the database's and the accepted new ones."""
    known = {code: active for code, active in db.session.execute(select(OrgUnit.code, OrgUnit.is_active))}
    seen: dict[str, int] = {}
    candidates: list[tuple[int, dict]] = []
    rejected_codes: dict[str, int] = {}
    for number, cells in rows:
        code, name, parent, kind_name = _padded(cells, 4)
        before = len(plan.rejected)
        flagged = _formulas(UNIT_SHEET, number, UNIT_HEADERS, [code, name, parent, kind_name], plan)
        kind = KIND_NAMES.get(kind_name)
        errors = check_unit_fields(code, name, kind or "district")

        def reject(column, reason, value="", flagged=flagged, number=number):
            if column not in flagged:  # one reason per cell: the formula one stands
                plan.rejected.append(Rejection(UNIT_SHEET, number, column, reason, value))
        if "code" in errors:
            reject("单位编码", _("required; 1–64 letters, digits, '_', '-' or '.'"), code)
        elif code in seen:
            reject("单位编码", _("duplicate of row %(row)s", row=seen[code]), code)
        elif code in known:
            reject("单位编码", _("exists already"), code)
        seen.setdefault(code, number)
        if "name" in errors:
            reject("单位名称", _("required, at most 200 characters"), name[:60])
        if kind is None:
            reject("单位类型", _("unknown unit type (区, 街道, 社区, 网格, 职能部门, 单位)"), kind_name)
        if parent and known.get(parent) is False:
            reject("上级单位编码", _("the parent unit is deactivated"), parent)
        if len(plan.rejected) > before:
            rejected_codes.setdefault(code, number)
        else:
            candidates.append((number, {"row": number, "code": code, "name": name, "parent": parent,
                                        "kind": kind}))
    accepted = {code for code, active in known.items() if active}
    pending = candidates
    while pending:  # parents before children, whatever the row order
        ready = [c for c in pending if not c[1]["parent"] or c[1]["parent"] in accepted]
        if not ready:
            break
        for _number, row in ready:
            plan.units.append(row)
            accepted.add(row["code"])
        pending = [c for c in pending if c[1]["code"] not in accepted]
    for number, row in pending:
        if row["parent"] in rejected_codes:
            reason = _("its parent (row %(row)s) was rejected", row=rejected_codes[row["parent"]])
        elif any(row["parent"] == other["code"] for _n, other in pending):
            reason = _("circular parents")
        else:
            reason = _("unknown parent unit")
        plan.rejected.append(Rejection(UNIT_SHEET, number, "上级单位编码", reason, row["parent"]))
        rejected_codes.setdefault(row["code"], number)
    return {**known, **{row["code"]: True for row in plan.units}}


def _check_users(rows, plan: ImportPlan, units: dict[str, bool]) -> None:
    existing = set(db.session.scalars(select(User.username)))
    seen: dict[str, int] = {}
    for number, cells in rows:
        username, name, phone, grants_cell, password = _padded(cells, 5)
        before = len(plan.rejected)
        flagged = _formulas(USER_SHEET, number, USER_HEADERS, [username, name, phone, grants_cell, password], plan)
        errors = check_user_fields(username, name, phone)

        def reject(column, reason, value="", flagged=flagged, number=number):
            if column not in flagged:
                plan.rejected.append(Rejection(USER_SHEET, number, column, reason, value))
        if "username" in errors:
            reject("用户名", _("required; 2–80 letters, digits, '_', '-' or '.'"), username)
        elif username in seen:
            reject("用户名", _("duplicate of row %(row)s", row=seen[username]), username)
        elif username in existing:
            reject("用户名", _("exists already"), username)
        seen.setdefault(username, number)
        if "display_name" in errors:
            reject("姓名", _("required, at most 120 characters"), name[:60])
        if "phone" in errors:
            reject("手机号", _("not a mobile number (11 digits) or landline (0xx-xxxxxxxx)"), phone)
        if password and len(password) < 8:
            reject("初始密码", _("at least 8 characters"))
        grants = [g for g in _GRANT_SPLIT.split(grants_cell) if g]
        for spec in grants:
            role, sep, code = spec.partition("@")
            if not sep or role not in ROLE_CODES:
                reject("角色@单位", _("unknown role, or not ROLE@UNIT"), spec)
            elif code not in units:
                reject("角色@单位", _("unknown unit"), spec)
            elif not units[code]:
                reject("角色@单位", _("the unit is deactivated"), spec)
        if len(plan.rejected) == before:
            plan.users.append({"row": number, "username": username, "display_name": name, "phone": phone,
                               "grants": grants, "password": password})
