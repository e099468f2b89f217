"""Single sign-on with OpenID Connect: the provider says who someone is, GovFlow
decides what they may do.

The provider (configured by OIDC_ISSUER, OIDC_CLIENT_ID/SECRET) authenticates; the
id_token's ``OIDC_USER_CLAIM`` names the GovFlow user (its ``username``). Grants
never come from the provider: a name GovFlow does not know becomes a user without
any grant, who sees nothing until an administrator grants roles. Authlib checks
what makes the token trustworthy — the state (this browser started this sign-in),
the signature against the provider's published keys, issuer, audience (this
client), expiry and the nonce (this token answers this sign-in, not a replay) —
and every failure becomes one typed refusal.
"""
from __future__ import annotations

import logging
from urllib.parse import urlencode

from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from authlib.jose.errors import JoseError
from flask import Flask, current_app
from requests import RequestException
from sqlalchemy import select

from ..database import ensure_write_transaction
from ..errors import DomainError, NotFound
from ..extensions import db
from .models import User

log = logging.getLogger(__name__)
#: Usernames are at most this long (users.username).
MAX_NAME = 80


class SsoRefused(DomainError):
    """The sign-in through the provider cannot be accepted."""
    status = 401

    def __init__(self, reason: str):
        super().__init__(f"single sign-on refused: {reason}")
        #: ``state``, ``provider``, ``id_token``, ``claim`` or ``inactive``.
        self.reason = reason


def init_sso(app: Flask) -> None:
    """Register the provider's client when single sign-on is configured. Nothing is
    fetched here: the provider's metadata and keys are loaded at the first sign-in."""
    settings = app.config["GOVFLOW"]
    if not settings.sso_enabled:
        return
    oauth = OAuth(app)
    oauth.register(
        "sso", client_id=settings.OIDC_CLIENT_ID, client_secret=settings.OIDC_CLIENT_SECRET or None,
        server_metadata_url=settings.OIDC_ISSUER.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": settings.OIDC_SCOPES, "code_challenge_method": "S256", "default_timeout": 10})
    app.extensions["govflow_sso"] = oauth.sso


def sso_client():
    """The registered client; NotFound when single sign-on is off."""
    client = current_app.extensions.get("govflow_sso")
    if client is None:
        raise NotFound("single sign-on is not configured")
    return client


def finish_sign_in(leeway: int) -> tuple[dict, str]:
    """Exchange the callback's code and check the id_token; returns ``(claims, raw
    id_token)``. Raises SsoRefused."""
    client = sso_client()
    try:
        # Authlib checks the audience only through ``azp`` unless told: a token issued
        # to another client with azp set to ours would pass. Name both claims here.
        issuer = client.load_server_metadata()["issuer"]
        options = {"iss": {"essential": True, "values": [issuer]},
                   "aud": {"essential": True, "values": [client.client_id]}}
        token = client.authorize_access_token(leeway=leeway, claims_options=options)
    except MismatchingStateError as exc:
        raise _refused("state", exc) from None
    except (OAuthError, RequestException, KeyError) as exc:  # an error answer, or the provider unreachable
        raise _refused("provider", exc) from None
    except (JoseError, ValueError) as exc:  # signature, issuer, audience, expiry, nonce, malformed
        raise _refused("id_token", exc) from None
    claims = token.get("userinfo")
    if not claims or not token.get("id_token"):
        raise SsoRefused("id_token")  # plain OAuth without an id_token is not a sign-in
    return dict(claims), token["id_token"]


def _refused(reason: str, exc: Exception) -> SsoRefused:
    """Log why (the error's code and which claim; never the token or its claims)."""
    log.warning("single sign-on refused", extra={"fields": {
        "reason": reason, "error": type(exc).__name__, "detail": str(getattr(exc, "description", ""))[:200]}})
    return SsoRefused(reason)


def user_for_claims(claims: dict, claim_name: str) -> tuple[User, bool]:
    """The user ``claims[claim_name]`` names, created without grants when unknown
    (flushes); returns ``(user, created)``. Raises SsoRefused."""
    name = claims.get(claim_name)
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
        raise SsoRefused("claim")
    name = name.strip()
    user = db.session.scalar(select(User).where(User.username == name))
    created = user is None
    if user is None:
        ensure_write_transaction()
        display = given if isinstance(given := claims.get("name"), str) else name
        #: No password: such a user can only come in through the provider.
        user = User(username=name, display_name=display[:120] or name, password_hash="")
        db.session.add(user)
        db.session.flush()
    if not user.is_active:
        raise SsoRefused("inactive")
    return user, created


def provider_logout_url(id_token: str, back_to: str) -> str | None:
    """Where to send the browser so the provider's session ends too (RP-initiated
    logout), or None when the provider offers none."""
    client = sso_client()
    endpoint = client.load_server_metadata().get("end_session_endpoint")
    if not endpoint:
        return None
    query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": back_to,
                       "client_id": current_app.config["GOVFLOW"].OIDC_CLIENT_ID})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
