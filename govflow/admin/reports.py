"""The dashboard (SLA lights, 督办 queue) and the statistics page with its exports."""
from __future__ import annotations

from datetime import date

from flask import current_app, g, render_template, request

from ..errors import ValidationFailed
from ..identity.access import Principal
from ..web.names import process_name
from .blueprint import bp, download, status_labels
from .dashboard import light_table, open_tasks, supervision_queue
from .exports import statistics_file, statistics_tables
from .statistics import Period, case_tables, stage_counts, step_times
from .task_search import role_lights


@bp.route("/dashboard")
def dashboard():
    settings = current_app.config["GOVFLOW"]
    tasks = open_tasks(g.principal)
    return render_template("admin/dashboard.html", lights=light_table(tasks, settings.SLA_YELLOW_AT),
                           roles=role_lights(tasks, settings.SLA_YELLOW_AT), queue=supervision_queue(tasks))


def _period(args) -> Period:
    errors, values = {}, {}
    for name in ("from", "to"):
        raw = (args.get(name) or "").strip()
        try:
            values[name] = date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[name] = ["a date YYYY-MM-DD"]
    if errors:
        raise ValidationFailed("invalid period", errors)
    return Period(values["from"], values["to"])


def statistics_data(p: Principal, args) -> dict:
    """Every table of the statistics page for the period in ``args`` (``from``/``to``),
    of what ``p`` administers. Raises ValidationFailed for a malformed date."""
    tz = current_app.config["GOVFLOW"].TIMEZONE
    period = _period(args)
    return {"period": period, "cases": case_tables(p, tz, period), "stages": stage_counts(p),
            "steps": step_times(p)}


@bp.route("/statistics")
def statistics():
    data = statistics_data(g.principal, request.args)
    fmt = request.args.get("format")
    if fmt in ("xlsx", "csv"):
        body, mime = statistics_file(statistics_tables(data["cases"], data["stages"], data["steps"]), fmt)
        return download(body, mime, "statistics", fmt)
    labels = status_labels()
    stage_labels = [f"{process_name(s['process'])} · {s['stage'] or labels.get(s['status'], s['status'])}"
                    for s in data["stages"]]
    return render_template("admin/statistics.html", args=request.args, stage_labels=stage_labels,
                           status_names=labels, **data)
