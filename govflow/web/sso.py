"""Signing in through the OpenID provider: off to the provider, and back."""
from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for

from ..identity.sso import finish_sign_in, sso_client, user_for_claims
from .setup import page_blueprint, safe_next, start_session

bp = page_blueprint("sso", __name__, public=True)


@bp.route("/sso/login")
def begin():
    client = sso_client()
    session["sso_next"] = safe_next(request.args.get("next"), url_for("worklist.task_list"))
    return client.authorize_redirect(url_for("sso.callback", _external=True))


@bp.route("/sso/callback")
def callback():
    settings = current_app.config["GOVFLOW"]
    claims, id_token = finish_sign_in(settings.OIDC_CLOCK_SKEW_SECONDS)
    user, _created = user_for_claims(claims, settings.OIDC_USER_CLAIM)
    target = session.pop("sso_next", None) or url_for("worklist.task_list")
    start_session(user)
    session["sso_id_token"] = id_token  # the hint the provider's logout asks for
    if not user.is_admin and not user.grants:
        return render_template("sso_no_access.html", name=user.username)
    return redirect(target)
