"""The staff pages' shell: extensions, sessions and the guard every page passes.

``init_web(app)`` binds the extensions; create_app registers the blueprints. CSRF is checked by the
page blueprints themselves (``WTF_CSRF_CHECK_DEFAULT`` off): the REST API
authenticates with bearer tokens, not cookies, and has no forms to protect.
"""
from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Flask, g, redirect, request, session, url_for
from flask_login import current_user, logout_user

from ..extensions import babel, csrf, db, login_manager
from ..identity.access import principal_for
from ..identity.login import password_fingerprint
from ..identity.models import User

LANGUAGES = {"zh_CN": "中文", "en": "English"}


def init_web(app: Flask) -> None:
    settings = app.config["GOVFLOW"]
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config["WTF_CSRF_TIME_LIMIT"] = None  # the session's own timeout bounds it
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=settings.SESSION_IDLE_MINUTES)
    csrf.init_app(app)
    babel.init_app(app, default_locale=settings.DEFAULT_LOCALE, default_timezone=settings.TIMEZONE,
                   locale_selector=_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.user_loader(_load_user)



def _locale() -> str:
    from flask import current_app
    lang = session.get("lang")
    return lang if lang in LANGUAGES else current_app.config["GOVFLOW"].DEFAULT_LOCALE


def _load_user(user_id: str):
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None


def page_blueprint(name: str, import_name: str, *, public: bool = False) -> Blueprint:
    """A blueprint of staff pages: CSRF on every write; signed-in, fresh sessions only."""
    bp = Blueprint(name, import_name)

    @bp.before_request
    def _guard():
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()
        if public:
            return None
        if not current_user.is_authenticated or not _session_is_fresh():
            logout_user()
            session.pop("seen", None)
            back = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("auth.login", next=back))
        session["seen"] = int(time.time())
        g.principal = principal_for(current_user)
        return None

    return bp


def _session_is_fresh() -> bool:
    """Not idle for longer than the timeout, the password unchanged since sign-in, and
    the account still active (a deactivated user's open sessions end at once)."""
    from flask import current_app
    idle = current_app.config["GOVFLOW"].SESSION_IDLE_MINUTES * 60
    seen = session.get("seen")
    if not isinstance(seen, int) or time.time() - seen > idle:
        return False
    return current_user.is_active and session.get("pw") == password_fingerprint(current_user)


def start_session(user: User) -> None:
    """Sign ``user`` in on a new session (the language choice survives)."""
    from flask_login import login_user
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session.permanent = True
    login_user(user)
    session["seen"] = int(time.time())
    session["pw"] = password_fingerprint(user)


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site: never an absolute URL (open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
