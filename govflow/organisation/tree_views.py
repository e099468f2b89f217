"""The org tree page and the unit page: create, rename, move, deactivate."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..database import undone_if_refused
from ..errors import DomainError
from ..extensions import db
from ..identity.models import OrgKind, OrgUnit, RoleGrant, User
from ..identity.service import get_org_unit
from .audit import audit_of
from .blueprint import bp, flash_error
from .units import create_unit, move_unit, org_tree, rename_unit, set_unit_active


def _active_units() -> list[OrgUnit]:
    return list(db.session.scalars(select(OrgUnit).where(OrgUnit.is_active.is_(True)).order_by(OrgUnit.path)))


@bp.route("")
def tree():
    return render_template("organisation/tree.html", roots=org_tree(), units=_active_units(),
                           kinds=list(OrgKind.__members__))


@bp.route("/units", methods=["POST"])
def unit_create():
    form = request.form
    try:
        with undone_if_refused():
            unit = create_unit(g.principal, form.get("code", ""), form.get("name", ""), form.get("kind", ""),
                               form.get("parent") or None)
    except DomainError as exc:
        flash_error(exc)
        return redirect(url_for(".tree"), 303)
    flash(_("Unit %(name)s created.", name=unit.name), "success")
    return redirect(url_for(".tree", _anchor=f"u-{unit.code}"), 303)


@bp.route("/units/<code>")
def unit_detail(code):
    unit = get_org_unit(code)
    members = db.session.execute(select(User, RoleGrant.role).join(RoleGrant, RoleGrant.user_id == User.id)
                                 .where(RoleGrant.org_unit_id == unit.id).order_by(User.username)).all()
    return render_template("organisation/unit.html", unit=unit, members=members,
                           parents=[u for u in _active_units() if not u.path.startswith(unit.path)],
                           audit=audit_of(org_unit_id=unit.id))


@bp.route("/units/<code>/<action>", methods=["POST"])
def unit_action(code, action):
    form = request.form
    changes = {
        "rename": lambda: rename_unit(g.principal, code, form.get("name", "")),
        "move": lambda: move_unit(g.principal, code, form.get("parent", "")),
        "deactivate": lambda: set_unit_active(g.principal, code, False),
        "activate": lambda: set_unit_active(g.principal, code, True),
    }
    if action not in changes:
        return redirect(url_for(".unit_detail", code=code), 303)
    try:
        with undone_if_refused():
            changes[action]()
    except DomainError as exc:
        flash_error(exc)
    else:
        flash(_("Saved."), "success")
    return redirect(url_for(".unit_detail", code=code), 303)
