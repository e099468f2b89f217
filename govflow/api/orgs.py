"""The organisation over REST: units, users, grants and imports.

Listing org units is open to every authenticated caller (integrators need the
codes to start instances); everything else is for administrators only (403).
"""
from __future__ import annotations

from flask import request
from sqlalchemy import select

from ..admin.access import require_administrator
from ..extensions import db
from ..identity.models import OrgUnit
from ..identity.service import get_org_unit, get_user
from ..organisation import units as unit_service
from ..organisation import users as user_service
from ..organisation.importer import apply_plan, check_file
from ..organisation.schemas import (
    GrantCreate,
    ImportFile,
    ImportQuery,
    ImportReportOut,
    PasswordReset,
    UnitCreate,
    UnitOut,
    UnitUpdate,
    UserCreate,
    UserOut,
    UserPageOut,
    UserQuery,
    UserUpdate,
)
from ..organisation.sheets import MAX_BYTES
from .auth import api_blueprint, principal
from .schemas import OrgUnitSchema

PREFIX = ""
blp = api_blueprint("org-units", "The organisation: units, users, role grants and imports")


@blp.before_request
def _administrators_only():
    # Before the body is parsed: a caller who may not write learns nothing from a 422.
    if request.endpoint != f"{blp.name}.list_org_units":
        require_administrator(principal())


def _admin():
    p = principal()
    require_administrator(p)
    return p


def _unit_out(unit: OrgUnit) -> dict:
    return {"code": unit.code, "name": unit.name, "kind": unit.kind, "is_active": unit.is_active,
            "parent": unit.parent.code if unit.parent else None}


def _user_out(user, one_time: str | None = None) -> dict:
    return {"username": user.username, "display_name": user.display_name, "phone": user.phone,
            "is_active": user.is_active_user, "is_locked": user_service.is_locked(user),
            "grants": [{"id": g.id, "role": g.role, "org_unit": g.org_unit.code} for g in user.grants],
            "one_time_password": one_time}


@blp.route("/org-units")
@blp.response(200, OrgUnitSchema(many=True))
def list_org_units():
    """Every unit (deactivated ones too: old instances refer to them)."""
    units = db.session.scalars(select(OrgUnit).order_by(OrgUnit.path)).all()
    codes = {u.id: u.code for u in units}
    return [{"code": u.code, "name": u.name, "kind": u.kind, "parent": codes.get(u.parent_id)} for u in units]


@blp.route("/org-units", methods=["POST"])
@blp.arguments(UnitCreate)
@blp.response(201, UnitOut)
def create_org_unit(args):
    return _unit_out(unit_service.create_unit(_admin(), args["code"], args["name"], args["kind"], args["parent"]))


@blp.route("/org-units/<code>", methods=["PATCH"])
@blp.arguments(UnitUpdate)
@blp.response(200, UnitOut)
def update_org_unit(args, code):
    p = _admin()
    if "name" in args:
        unit_service.rename_unit(p, code, args["name"])
    if "parent" in args:
        unit_service.move_unit(p, code, args["parent"])
    if "is_active" in args:
        unit_service.set_unit_active(p, code, args["is_active"])
    return _unit_out(get_org_unit(code))


@blp.route("/users")
@blp.arguments(UserQuery, location="query")
@blp.response(200, UserPageOut)
def list_users(args):
    _admin()
    page = user_service.search_users(args["q"], args["page"])
    return {"total": page.total, "page": page.page, "pages": page.pages, "items": [_user_out(u) for u in page.rows]}


@blp.route("/users", methods=["POST"])
@blp.arguments(UserCreate)
@blp.response(201, UserOut)
def create_user(args):
    user, one_time = user_service.add_user(_admin(), args["username"], args["display_name"], args["phone"],
                                           args["password"], args["grants"])
    return _user_out(user, one_time)


@blp.route("/users/<username>")
@blp.response(200, UserOut)
def show_user(username):
    _admin()
    return _user_out(get_user(username))


@blp.route("/users/<username>", methods=["PATCH"])
@blp.arguments(UserUpdate)
@blp.response(200, UserOut)
def update_user(args, username):
    p, user = _admin(), get_user(username)
    user_service.update_user(p, user, args.get("display_name"), args.get("phone"))
    if "is_active" in args:
        user_service.set_user_active(p, user, args["is_active"])
    return _user_out(user)


@blp.route("/users/<username>/password", methods=["POST"])
@blp.arguments(PasswordReset)
@blp.response(200, UserOut)
def reset_password(args, username):
    p, user = _admin(), get_user(username)
    return _user_out(user, user_service.reset_password(p, user, args["password"]))


@blp.route("/users/<username>/unlock", methods=["POST"])
@blp.response(200, UserOut)
def unlock(username):
    p, user = _admin(), get_user(username)
    return _user_out(user_service.unlock_user(p, user))


@blp.route("/users/<username>/grants", methods=["POST"])
@blp.arguments(GrantCreate)
@blp.response(201, UserOut)
def add_grant(args, username):
    p, user = _admin(), get_user(username)
    user_service.add_grant(p, user, args["grant"])
    return _user_out(user)


@blp.route("/users/<username>/grants/<int:grant_id>", methods=["DELETE"])
@blp.response(200, UserOut)
def revoke_grant(username, grant_id):
    p, user = _admin(), get_user(username)
    user_service.revoke_grant(p, user, grant_id)
    return _user_out(user)


@blp.route("/users/<username>/tokens/<int:token_id>", methods=["DELETE"])
@blp.response(204)
def revoke_token(username, token_id):
    p, user = _admin(), get_user(username)
    user_service.revoke_user_token(p, user, token_id)


@blp.route("/org-imports", methods=["POST"])
@blp.arguments(ImportQuery, location="query")
@blp.arguments(ImportFile, location="files")
@blp.response(200, ImportReportOut)
def import_spreadsheet(query, files):
    """Upload ``file`` (.xlsx, or CSV in UTF-8/GBK) as multipart form data. ``dry_run=true``
    (the default) only checks; ``dry_run=false`` imports the valid rows in one transaction."""
    p = _admin()
    upload = files["file"]
    plan = check_file(upload.read(MAX_BYTES + 1), upload.filename or "")
    if not query["dry_run"]:
        apply_plan(p, plan)
    return {"dry_run": query["dry_run"], "units": [u["code"] for u in plan.units],
            "users": [u["username"] for u in plan.users], "rejected_rows": plan.rejected_rows,
            "rejected": [r.__dict__ for r in plan.rejected]}
