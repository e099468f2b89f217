"""Camunda's error body, ``{"type": …, "message": …}``, mapped once for every view.

GovFlow's typed errors keep their status, except that validation (422) is
Camunda's 400. A field-level refusal names its field in the message, so that a
client can tell ``org_unit`` from a form field.
"""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from werkzeug.exceptions import HTTPException

from ..errors import DomainError
from ..extensions import db

log = logging.getLogger(__name__)

#: Camunda's exception class names by status.
TYPES = {400: "InvalidRequestException", 401: "AuthenticationException", 403: "AuthorizationException",
         404: "InvalidRequestException", 405: "RestException", 409: "OptimisticLockingException",
         413: "InvalidRequestException", 415: "InvalidRequestException", 500: "ProcessEngineException"}


def error_response(status: int, message: str):
    status = 400 if status == 422 else status
    response = jsonify({"type": TYPES.get(status, "RestException"), "message": message, "code": None})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="engine-rest"'
    return response


def _with_fields(exc: DomainError) -> str:
    if not exc.errors:
        return exc.message
    detail = "; ".join(f"{field}: {', '.join(map(str, msgs if isinstance(msgs, list) else [msgs]))}"
                       for field, msgs in exc.errors.items())
    return f"{exc.message} ({detail})"


def register_error_handlers(bp: Blueprint) -> None:
    @bp.errorhandler(DomainError)
    def _domain(exc: DomainError):
        db.session.rollback()
        return error_response(exc.status, _with_fields(exc))

    @bp.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        db.session.rollback()
        return error_response(exc.code or 500, exc.description or exc.name)

    @bp.errorhandler(Exception)
    def _unexpected(exc: Exception):
        db.session.rollback()
        log.exception("unhandled error in /engine-rest")
        return error_response(500, "internal error; the administrators have been told")
