"""Admin console over REST: the ledger search and exports, every instance operation,
batch migration, saved searches and statistics. Administrators only (403 otherwise);
the ledger export also serves supervisors, masked and within their jurisdiction."""
from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Response, current_app, request
from werkzeug.datastructures import MultiDict

from ..admin.access import (
    console_scope,
    require_administrator,
    require_administrator_of_instance,
    require_ledger_reader,
)
from ..admin.changes import migrate_instances
from ..admin.exports import ledger_file, statistics_file, statistics_tables
from ..admin.filters import delete_filter, list_filters, save_filter
from ..admin.queries import parse_filter
from ..admin.service import check_reason, operate
from ..admin.statistics import Period, case_tables, stage_counts, step_times
from ..admin.task_search import filtered_query, search_page
from ..errors import ValidationFailed
from .admin_schemas import (
    BatchMigrationSchema,
    MigrationReportSchema,
    OperationSchema,
    SavedFilterSchema,
    StatisticsArgs,
    StatisticsSchema,
)
from .auth import api_blueprint, principal
from .present import instance_detail_out, instances_out
from .schemas import InstanceDetailSchema, InstanceSchema

PREFIX = "/admin"
blp = api_blueprint("admin-console", "Administration console: ledger (台账), operations, statistics")


@blp.before_request
def _administrators_only():
    if request.endpoint == f"{blp.name}.export":
        require_ledger_reader(principal())
    else:
        require_administrator(principal())
    if "instance_id" in (request.view_args or {}):
        require_administrator_of_instance(principal(), request.view_args["instance_id"])


def _filter(args):
    f = parse_filter(args)
    if f.errors:
        raise ValidationFailed("invalid filter", f.errors)
    return f


@blp.route("/instances")
@blp.response(200, InstanceSchema(many=True))
def search():
    """Query: process, version, status, org (with sub-units), started_from/_to, ended_from/_to
    (YYYY-MM-DD), business_key, var_name/var_value, step, task_org, role, overdue=1, page (50 per page)."""
    return instances_out(search_page(_filter(request.args), request.args, scope=console_scope(principal())).rows)


#: The spreadsheet answers of the exports, for the OpenAPI document.
_FILES = {"text/csv": {"schema": {"type": "string"}},
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
              {"schema": {"type": "string", "format": "binary"}}}


@blp.route("/instances/export")
@blp.doc(responses={"200": {"description": "the ledger file", "content": _FILES}})
def export():
    """The filtered ledger as ``format=xlsx`` (default) or ``format=csv``; same query as the search."""
    fmt = "csv" if request.args.get("format") == "csv" else "xlsx"
    body, mime = ledger_file(principal(), filtered_query(_filter(request.args), request.args), fmt,
                             current_app.config["GOVFLOW"].TIMEZONE)
    return Response(body, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="ledger.{fmt}"'})


@blp.route("/instances/<int:instance_id>/operations", methods=["POST"])
@blp.arguments(OperationSchema)
@blp.response(200, InstanceDetailSchema)
def instance_operation(args, instance_id):
    """suspend, resume, terminate, retry (incident_id), move (element_id), reassign (task_id,
    username), edit_variable (name, value), migrate (version); each audited with the reason."""
    instance = operate(principal(), instance_id, args.pop("operation"), args.pop("reason"), **args)
    return instance_detail_out(instance)


@blp.route("/instances/migrate", methods=["POST"])
@blp.arguments(BatchMigrationSchema)
@blp.response(200, MigrationReportSchema)
def migrate(args):
    """Migrates the listed running instances to ``version`` of ``process_key`` (newest when
    absent); incompatible ones are reported in ``refused`` and left untouched."""
    reason = check_reason(args["reason"])
    report = migrate_instances(args["instance_ids"], args["process_key"], args["version"],
                               principal(), reason)
    return {"target_version": report.target_version, "migrated": report.migrated,
            "refused": {str(k): v for k, v in report.refused.items()}}


@blp.route("/filters")
@blp.response(200, SavedFilterSchema(many=True))
def filters():
    """The caller's saved searches."""
    return list_filters(principal().user_id)


@blp.route("/filters", methods=["POST"])
@blp.arguments(SavedFilterSchema)
@blp.response(201, SavedFilterSchema)
def filter_create(args):
    """Saves a search under a name (replacing the caller's search of that name)."""
    return save_filter(principal().user_id, args["name"], MultiDict(parse_qsl(args["query"])))


@blp.route("/filters/<int:filter_id>", methods=["DELETE"])
@blp.response(204)
def filter_remove(filter_id):
    delete_filter(principal().user_id, filter_id)


@blp.route("/statistics")
@blp.arguments(StatisticsArgs, location="query")
@blp.response(200, StatisticsSchema)
@blp.doc(responses={"200": {"content": {"application/json": {"schema": StatisticsSchema}, **_FILES}}})
def statistics(args):
    """三率, overdue cases and mean handling time of case handling by community, department,
    category and month (cases reported from/to), and the other processes' stages and step times.
    ``format=xlsx|csv`` downloads the same tables."""
    period = Period(args["from_"], args["to"])
    data = {"cases": case_tables(principal(), current_app.config["GOVFLOW"].TIMEZONE, period),
            "stages": stage_counts(principal()), "steps": step_times(principal())}
    fmt = request.args.get("format")
    if fmt in ("xlsx", "csv"):
        body, mime = statistics_file(statistics_tables(data["cases"], data["stages"], data["steps"]), fmt)
        return Response(body, mimetype=mime,
                        headers={"Content-Disposition": f'attachment; filename="statistics.{fmt}"'})
    return data
