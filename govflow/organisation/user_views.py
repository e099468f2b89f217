"""The user list and the user page: account, password, lockout, grants, tokens, audit."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..database import undone_if_refused
from ..errors import DomainError
from ..extensions import db
from ..identity.models import ROLE_CODES, OrgUnit
from ..identity.service import get_user
from ..web.paging import page_arg, whole_number
from .audit import audit_of
from .blueprint import bp, flash_error
from .users import (
    add_grant,
    add_user,
    is_locked,
    reset_password,
    revoke_grant,
    revoke_user_token,
    search_users,
    set_user_active,
    tokens_of,
    unlock_user,
    update_user,
)


@bp.route("/users")
def user_list():
    q = request.args.get("q", "")[:80]
    return render_template("organisation/users.html", q=q,
                           page=search_users(q, page_arg(request.args)))


@bp.route("/users", methods=["POST"])
def user_create():
    form = request.form
    try:
        with undone_if_refused():
            user, one_time = add_user(g.principal, form.get("username", ""), form.get("display_name", ""),
                                      form.get("phone"), form.get("password") or None,
                                      [form["grant"]] if form.get("grant") else [])
    except DomainError as exc:
        flash_error(exc)
        return redirect(url_for(".user_list"), 303)
    return _user_page(user, one_time=one_time)


@bp.route("/users/<username>")
def user_detail(username):
    return _user_page(get_user(username))


def _user_page(user, one_time: str | None = None):
    """Rendered (not redirected to) after a reset, so the one-time password is never in a cookie."""
    units = db.session.scalars(select(OrgUnit).where(OrgUnit.is_active.is_(True)).order_by(OrgUnit.path))
    response = render_template("organisation/user.html", user=user, one_time=one_time, locked=is_locked(user),
                               tokens=tokens_of(user), audit=audit_of(user_id=user.id), roles=ROLE_CODES,
                               units=list(units))
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/users/<username>/<action>", methods=["POST"])
def user_action(username, action):
    user, form, p = get_user(username), request.form, g.principal
    changes = {
        "update": lambda: update_user(p, user, form.get("display_name"), form.get("phone", "")),
        "deactivate": lambda: set_user_active(p, user, False),
        "activate": lambda: set_user_active(p, user, True),
        "unlock": lambda: unlock_user(p, user),
        "grant": lambda: add_grant(p, user, f"{form.get('role', '')}@{form.get('unit', '')}"),
        "revoke": lambda: revoke_grant(p, user, _int(form.get("grant_id"))),
        "revoke-token": lambda: revoke_user_token(p, user, _int(form.get("token_id"))),
    }
    try:
        with undone_if_refused():
            if action == "password":
                one_time = reset_password(p, user, form.get("password") or None)
                flash(_("The password was reset."), "success")
                return _user_page(user, one_time=one_time)
            if action not in changes:
                return redirect(url_for(".user_detail", username=username), 303)
            changes[action]()
    except DomainError as exc:
        flash_error(exc)
    else:
        flash(_("Saved."), "success")
    return redirect(url_for(".user_detail", username=username), 303)


def _int(raw) -> int:
    return whole_number(raw) or 0
