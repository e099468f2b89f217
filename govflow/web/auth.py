"""Signing in and out, changing the password, choosing the language."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ..errors import ValidationFailed
from ..identity.login import LoginRefused, authenticate, change_password
from ..identity.sso import provider_logout_url
from ..throttle import RateLimited
from .forms import LoginForm, PasswordForm
from .messages import field_errors
from .security import client_address
from .setup import LANGUAGES, page_blueprint, safe_next, start_session

bp = page_blueprint("auth", __name__, public=True)
account_bp = page_blueprint("account", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        settings = current_app.config["GOVFLOW"]
        try:
            user = authenticate(form.username.data, form.password.data, client_address(), settings)
        except RateLimited as exc:
            error = _("Too many failed sign-ins from your address: try again in %(minutes)d minutes.",
                      minutes=-(-exc.retry_after // 60))
            return render_template("login.html", form=form, error=error), 429, {"Retry-After": str(exc.retry_after)}
        except LoginRefused as exc:  # the failure is already counted (identity/login.py)
            return render_template("login.html", form=form, error=_refusal(exc, settings)), 401
        start_session(user)
        return redirect(safe_next(request.args.get("next"), url_for("worklist.task_list")))
    return render_template("login.html", form=form, error=None)


@bp.route("/logout", methods=["POST"])
def logout():
    """Ends GovFlow's session; one begun through single sign-on ends the provider's too."""
    lang, id_token = session.get("lang"), session.get("sso_id_token")
    logout_user()
    session.clear()
    session["lang"] = lang
    flash(_("You have signed out."), "info")
    if id_token:
        return redirect(provider_logout_url(id_token, url_for("auth.login", _external=True))
                        or url_for("auth.login"))
    return redirect(url_for("auth.login"))


def _refusal(exc: LoginRefused, settings) -> str:
    """One answer for unknown names, wrong passwords and locked accounts alike."""
    if exc.reason == "inactive":
        return _("This account is disabled.")
    if exc.reason == "sso_only":
        return _("Staff sign in through single sign-on.")
    return _("Wrong username or password.") + " " + _(
        "After %(failures)d failures in a row an account is locked for %(minutes)d minutes.",
        failures=settings.LOGIN_MAX_FAILURES, minutes=settings.LOGIN_LOCK_MINUTES)


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
