"""Admin console pages: the instance ledger and its exports, saved searches, the
instance page and its operations. The dashboard and statistics are in reports.py."""
from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..database import undone_if_refused
from ..definitions.service import list_latest_definitions
from ..errors import DomainError, ValidationFailed
from ..identity.models import ROLE_CODES
from ..instances.models import InstanceStatus
from ..web.paging import whole_number
from ..worklist.catalogue import process_xml
from ..worklist.inbox import org_units_for
from .access import console_scope
from .blueprint import bp, download, status_labels
from .detail import called_page, called_xml, instance_definition, instance_page
from .exports import ledger_file
from .filters import delete_filter, filter_query, list_filters, save_filter
from .queries import org_names, parse_filter
from .service import migrate_search, operate
from .task_search import filtered_query, search_page


def _errors_text(exc: DomainError) -> str:
    return "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in (exc.errors or {}).items()) or str(exc)


@bp.route("/instances")
def instance_list():
    f = parse_filter(request.args)
    fmt = request.args.get("format")
    if fmt in ("xlsx", "csv"):
        body, mime = ledger_file(g.principal, filtered_query(f, request.args), fmt,
                                 current_app.config["GOVFLOW"].TIMEZONE)
        return download(body, mime, "ledger", fmt)
    page = search_page(f, request.args, scope=console_scope(g.principal))
    return render_template("admin/instances.html", f=f, page=page, args=request.args,
                           processes=list_latest_definitions(), statuses=list(InstanceStatus.__members__),
                           status_names=status_labels(), org_names=org_names(i.org_unit_id for i in page.rows),
                           saved=list_filters(g.principal.user_id), current_query=filter_query(request.args),
                           units=org_units_for(g.principal), roles=ROLE_CODES,
                           ), 422 if f.errors else 200  # bad values are named on the page and left out


@bp.route("/filters", methods=["POST"])
def filter_save():
    query, args = _posted_search()
    try:
        with undone_if_refused():
            save_filter(g.principal.user_id, request.form.get("name"), args)
    except ValidationFailed as exc:
        flash(_("Not saved: %(errors)s", errors=_errors_text(exc)), "error")
    else:
        flash(_("Search saved"), "success")
    return redirect(url_for("admin.instance_list") + ("?" + query if query else ""), 303)


@bp.route("/filters/<int:filter_id>/delete", methods=["POST"])
def filter_delete(filter_id):
    delete_filter(g.principal.user_id, filter_id)
    flash(_("Saved search deleted"), "success")
    return redirect(url_for("admin.instance_list"), 303)


@bp.route("/instances/migrate", methods=["POST"])
def instance_migrate():
    """Migrates the running instances of the posted search to ``version``."""
    query, args = _posted_search()
    back = url_for("admin.instance_list") + ("?" + query if query else "")
    try:
        with undone_if_refused():
            report = migrate_search(g.principal, args, whole_number(request.form.get("version")),
                                    request.form.get("reason"))
    except DomainError as exc:
        flash(_("Not migrated: %(errors)s", errors=_errors_text(exc)), "error")
        return redirect(back, 303)
    flash(_("%(n)d instances migrated to version %(v)d.", n=len(report.migrated), v=report.target_version),
          "success")
    for instance_id, why in sorted(report.refused.items()):
        flash(_("Instance %(id)d not migrated: %(why)s", id=instance_id, why=why), "error")
    return redirect(back, 303)


@bp.route("/instances/<int:instance_id>")
def instance_detail(instance_id):
    return render_template("admin/instance.html", status_names=status_labels(), **instance_page(instance_id))


@bp.route("/instances/<int:instance_id>/diagram.bpmn")
def diagram(instance_id):
    """The BPMN XML of the instance's process version."""
    return _xml(process_xml(instance_definition(instance_id)))


@bp.route("/instances/<int:instance_id>/called/<element_id>")
def called_detail(instance_id, element_id):
    """The process the call activity ``element_id`` calls, with this instance's steps in it."""
    return render_template("admin/called.html", **called_page(instance_id, element_id))


@bp.route("/instances/<int:instance_id>/called/<element_id>/diagram.bpmn")
def called_diagram(instance_id, element_id):
    return _xml(called_xml(instance_id, element_id))


def _xml(text: str) -> Response:
    return Response(text, mimetype="application/xml", headers={"Cache-Control": "private, max-age=300"})


@bp.route("/instances/<int:instance_id>/operations", methods=["POST"])
def instance_operation(instance_id):
    form = request.form
    try:
        with undone_if_refused():
            operate(g.principal, instance_id, form.get("operation", ""), form.get("reason"),
                    incident_id=whole_number(form.get("incident_id")), element_id=form.get("element_id") or None,
                    task_id=whole_number(form.get("task_id")), username=form.get("username"),
                    name=form.get("name"), value=form.get("value"), version=whole_number(form.get("version")))
    except ValidationFailed as exc:
        flash(_("Operation not carried out: %(errors)s", errors=_errors_text(exc)), "error")
        return redirect(url_for("admin.instance_detail", instance_id=instance_id), 303)
    flash(_("Operation carried out"), "success")
    return redirect(url_for("admin.instance_detail", instance_id=instance_id), 303)


def _posted_search() -> tuple[str, MultiDict]:
    """The ledger search a form carries in its ``query`` field, as text and as arguments."""
    query = request.form.get("query", "")
    return query, MultiDict(parse_qsl(query))
