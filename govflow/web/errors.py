"""Errors mapped to HTTP once: JSON for API clients, HTML for browsers."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, render_template_string, request
from werkzeug.exceptions import HTTPException

from ..errors import DomainError
from ..extensions import db

log = logging.getLogger(__name__)

_PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ code }}</title><body style="font-family:sans-serif;padding:2rem">
<h1>{{ code }}</h1><p>{{ message }}</p><p><a href="/">返回首页</a></p>
<p><small>Request ID: <code>{{ g.request_id }}</code></small></p></body></html>"""


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _respond(status: int, message: str, errors: dict | None = None):
    if _wants_json():
        return jsonify({"message": message, "errors": errors or {}}), status
    try:
        return _html_page(status), status
    except Exception:  # the page itself failed (database gone…): the bare page still answers
        log.exception("error page failed")
        db.session.rollback()
        return render_template_string(_PAGE, code=status, message=message), status


def _html_page(status: int) -> str:
    """The staff pages' error page, in the page's language; never the internal message,
    which may be English developer text (or, for a 404, must not say more than "not here")."""
    from flask_babel import gettext as _
    texts = {
        400: (_("Bad request"),
              _("The request could not be understood. If you sent a form, reload the page and try again.")),
        401: (_("Please sign in"), _("Sign in to continue.")),
        403: (_("Not allowed"), _("You may not do this.")),
        404: (_("Not found"), _("This page does not exist, or it is outside your jurisdiction.")),
        409: (_("Changed meanwhile"),
              _("Someone else changed this first, or it no longer allows this. Reload and try again.")),
        413: (_("Too large"), _("The upload is too large.")),
        422: (_("Invalid data"), _("The data sent is not valid.")),
        429: (_("Too many requests"), _("Please wait a few minutes and try again.")),
    }
    heading, text = texts.get(status, (_("Something went wrong"),
                                       _("Please try again later; the administrators have been told.")))
    return render_template("error.html", code=status, heading=heading, text=text)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        db.session.rollback()
        return _respond(exc.status, exc.message, exc.errors)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        db.session.rollback()
        errors = None
        data = getattr(exc, "data", None)  # webargs/flask-smorest validation details
        if isinstance(data, dict) and "messages" in data:
            messages = data["messages"]
            errors = messages.get("json") or messages.get("query") or messages.get("files") \
                or messages.get("form") or messages
        return _respond(exc.code or 500, exc.description or exc.name, errors)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(500, "internal error; the administrators have been told")
