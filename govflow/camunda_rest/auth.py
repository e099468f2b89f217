"""Who calls: HTTP Basic with a user's name and password, or a bearer token.

Basic is what Camunda's clients send; it runs the sign-in rule (lockout after
repeated failures included), so a failed attempt is committed before the 401.
Tokens cost nothing to check; prefer them for busy workers (Basic hashes the
password on every request).
"""
from __future__ import annotations

import base64
import binascii

from flask import current_app, g, request

from ..errors import Unauthorized
from ..identity.access import Principal, principal_for
from ..identity.login import LoginRefused, authenticate
from ..identity.service import principal_for_token
from ..web.security import client_address


def authenticate_request() -> None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    scheme, credentials = scheme.lower(), credentials.strip()
    if scheme == "bearer" and credentials:
        found = principal_for_token(credentials)
    elif scheme == "basic" and credentials:
        user = _basic(credentials)
        found = principal_for(user) if user is not None else None
    else:
        raise Unauthorized("send Authorization: Basic (name and password) or Bearer <token>")
    if found is None:
        raise Unauthorized("the credentials are unknown or revoked")
    g.principal = found


def _basic(credentials: str):
    try:
        username, _, password = base64.b64decode(credentials, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    try:
        # Failures are counted in a transaction of their own (identity/login.py); too many
        # from one address raise RateLimited (429), as on the sign-in page.
        return authenticate(username, password, client_address(), current_app.config["GOVFLOW"])
    except LoginRefused:
        return None


def principal() -> Principal:
    return g.principal
