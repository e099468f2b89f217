"""Bearer-token authentication for every API blueprint."""
from __future__ import annotations

from flask import g, request
from flask_smorest import Blueprint

from ..errors import Unauthorized
from ..identity.access import Principal
from ..identity.service import principal_for_token


def api_blueprint(name: str, description: str) -> Blueprint:
    blp = Blueprint(name, __name__ + "." + name, description=description)

    @blp.before_request
    def _authenticate():
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("send Authorization: Bearer <token>")
        found = principal_for_token(token.strip())
        if found is None:
            raise Unauthorized("the token is unknown or revoked")
        g.principal = found

    return blp


def principal() -> Principal:
    return g.principal
