"""Signing in and out, changing the password, choosing the language."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ..errors import ValidationFailed
from ..identity.login import LoginRefused, authenticate, change_password
from .forms import LoginForm, PasswordForm
from .messages import field_errors
from .setup import LANGUAGES, page_blueprint, safe_next, start_session

bp = page_blueprint("auth", __name__, public=True)
account_bp = page_blueprint("account", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        settings = current_app.config["GOVFLOW"]
        try:
            user = authenticate(form.username.data, form.password.data,
                                settings.LOGIN_MAX_FAILURES, settings.LOGIN_LOCK_MINUTES)
        except LoginRefused as exc:  # 200, so that the failure count is committed
            error = _refusal(exc)
        else:
            start_session(user)
            return redirect(safe_next(request.args.get("next"), url_for("worklist.task_list")))
    return render_template("login.html", form=form, error=error)


@bp.route("/logout", methods=["POST"])
def logout():
    lang = session.get("lang")
    logout_user()
    session.clear()
    session["lang"] = lang
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


def _refusal(exc: LoginRefused) -> str:
    if exc.reason == "locked":
        return _("Too many failed attempts: the account is locked for %(minutes)d minutes.",
                 minutes=exc.minutes_left)
    if exc.reason == "inactive":
        return _("This account is disabled.")
    return _("Wrong username or password.")


@account_bp.route("/password", methods=["GET", "POST"])
def password():
    form, errors = PasswordForm(), {}
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current.data, form.new.data)
        except ValidationFailed as exc:
            errors = field_errors(exc.errors)
        else:
            start_session(current_user._get_current_object())  # this session goes on; others end
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("worklist.task_list"))
    return render_template("password.html", form=form, errors=errors)


@bp.route("/lang/<code>")
def language(code):
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next"), url_for("worklist.task_list")))
