"""Admin console pages: the instance ledger and its exports, the instance page and its operations."""
from __future__ import annotations

from datetime import datetime

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for

from ..definitions.service import list_latest_definitions
from ..errors import ValidationFailed
from ..extensions import db
from ..instances.models import InstanceStatus
from ..web.setup import page_blueprint
from ..worklist.catalogue import process_xml
from .access import require_administrator
from .dashboard import case_rates, light_table, open_tasks, supervision_queue
from .detail import instance_page
from .exports import STATUS_NAMES, ledger_csv, ledger_xlsx
from .queries import ledger_rows, org_names, parse_filter, search_instances
from .service import operate

bp = page_blueprint("admin", __name__)
bp.url_prefix = "/admin"


@bp.before_request
def _administrators_only():
    if getattr(g, "principal", None) is not None:
        require_administrator(g.principal)


@bp.route("/instances")
def instance_list():
    f = parse_filter(request.args)
    tz = current_app.config["GOVFLOW"].TIMEZONE
    fmt = request.args.get("format")
    if fmt in ("xlsx", "csv"):
        rows = ledger_rows(f)
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
        if fmt == "xlsx":
            body, mime = ledger_xlsx(rows, tz), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            body, mime = ledger_csv(rows, tz), "text/csv; charset=utf-8"
        return Response(body, mimetype=mime, headers={
            "Content-Disposition": f'attachment; filename="ledger-{stamp}.{fmt}"'})
    page = search_instances(f)
    return render_template("admin/instances.html", f=f, page=page, args=request.args,
                           processes=list_latest_definitions(), statuses=list(InstanceStatus.__members__),
                           status_names=STATUS_NAMES, org_names=org_names(i.org_unit_id for i in page.rows))


@bp.route("/instances/<int:instance_id>")
def instance_detail(instance_id):
    return render_template("admin/instance.html", status_names=STATUS_NAMES, **instance_page(instance_id))


@bp.route("/instances/<int:instance_id>/diagram.bpmn")
def diagram(instance_id):
    """The BPMN XML of the instance's process version."""
    definition = instance_page(instance_id)["definition"]
    return Response(process_xml(definition), mimetype="application/xml",
                    headers={"Cache-Control": "private, max-age=300"})


@bp.route("/instances/<int:instance_id>/operations", methods=["POST"])
def instance_operation(instance_id):
    form = request.form
    try:
        operate(g.principal, instance_id, form.get("operation", ""), form.get("reason"),
                incident_id=_int(form.get("incident_id")), element_id=form.get("element_id") or None,
                task_id=_int(form.get("task_id")), username=form.get("username"))
    except ValidationFailed as exc:
        db.session.rollback()
        flash("操作未执行：" + "；".join(f"{k}: {', '.join(map(str, v))}" for k, v in exc.errors.items()), "error")
        return redirect(url_for("admin.instance_detail", instance_id=instance_id), 303)
    flash("操作已完成", "success")
    return redirect(url_for("admin.instance_detail", instance_id=instance_id), 303)


def _int(raw):
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


@bp.route("/dashboard")
def dashboard():
    settings = current_app.config["GOVFLOW"]
    tasks = open_tasks()
    return render_template("admin/dashboard.html", lights=light_table(tasks, settings.SLA_YELLOW_AT),
                           queue=supervision_queue(tasks), rates=case_rates(settings.TIMEZONE))
