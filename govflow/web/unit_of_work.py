"""One commit per request, decided by exceptions, not by the HTTP status.

A view that returns commits its unit of work (whatever status it chose: a 429 page
keeps the rate-limit hit it counted); a view that raises — a refusal or a bug — is
rolled back, and the error handlers answer. A view that shows a refusal itself
runs the refused action under ``database.undone_if_refused``. No view commits or
rolls back by hand.

The commit runs in ``dispatch_request`` so that a commit losing a race raises a
Conflict that the ordinary error handlers turn into a 409 (an exception in an
``after_request`` hook would bypass them and become a 500). Write requests mark
their intent first, so SQLite begins them IMMEDIATE.
"""
from __future__ import annotations

from flask import Flask, g, request

from ..database import commit, reset_write_intent, set_write_intent
from ..extensions import db

_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class GovFlowApp(Flask):
    def dispatch_request(self):
        try:
            response = self.make_response(super().dispatch_request())
        except BaseException:
            db.session.rollback()
            raise
        commit()
        return response


def register_unit_of_work(app: Flask) -> None:
    @app.before_request
    def _begin():
        if request.method in _WRITES:
            g._write_token = set_write_intent(True)

    @app.teardown_request
    def _end(_exc):
        token = g.pop("_write_token", None)
        if token is not None:
            reset_write_intent(token)
