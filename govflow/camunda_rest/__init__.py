"""Camunda 7's REST API (``/engine-rest``) for what GovFlow does.

Same paths, parameters, typed variables, status codes and error bodies as
Camunda 7's REST reference, so that Camunda Modeler, the external-task clients
and systems written against Camunda work unchanged. Each view only translates:
it parses Camunda's request, calls the platform's use-case function with the
caller's principal, and shapes the answer as Camunda does. Ids are GovFlow's
integer ids written as strings; a process definition's id is ``key:version:id``.
"""
from __future__ import annotations

from flask import Blueprint, Flask

from .auth import authenticate_request
from .errors import register_error_handlers

PREFIX = "/engine-rest"
bp = Blueprint("engine_rest", __name__)
bp.before_request(authenticate_request)
register_error_handlers(bp)

from . import definitions, deployments, external, instances, tasks  # noqa: E402,F401  (routes of bp)


def init_camunda_rest(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix=PREFIX)
