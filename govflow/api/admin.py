"""Admin console over REST: the instance ledger search and its exports (administrators only)."""
from __future__ import annotations

from flask import Response, current_app, request

from ..admin.access import require_administrator
from ..admin.exports import ledger_csv, ledger_xlsx
from ..admin.queries import ledger_rows, parse_filter, search_instances
from ..errors import ValidationFailed
from .auth import api_blueprint, principal
from .present import instances_out
from .schemas import InstanceSchema

PREFIX = "/admin"
blp = api_blueprint("admin-console", "Administration console: instance ledger (台账)")


@blp.before_request
def _administrators_only():
    require_administrator(principal())


@blp.route("/instances")
@blp.response(200, InstanceSchema(many=True))
def search():
    """Query: process, version, status, org (with sub-units), started_from/_to, ended_from/_to
    (YYYY-MM-DD), business_key, var_name/var_value, step, overdue=1, page (50 per page)."""
    f = parse_filter(request.args)
    if f.errors:
        raise ValidationFailed("invalid filter", f.errors)
    return instances_out(search_instances(f).rows)


@blp.route("/instances/export")
def export():
    """The filtered ledger as ``format=xlsx`` (default) or ``format=csv``."""
    f = parse_filter(request.args)
    if f.errors:
        raise ValidationFailed("invalid filter", f.errors)
    tz = current_app.config["GOVFLOW"].TIMEZONE
    if request.args.get("format", "xlsx") == "csv":
        body, mime, ext = ledger_csv(ledger_rows(f), tz), "text/csv; charset=utf-8", "csv"
    else:
        body, ext = ledger_xlsx(ledger_rows(f), tz), "xlsx"
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="ledger.{ext}"'})
