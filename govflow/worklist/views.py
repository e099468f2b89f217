"""The worklists and the task page: /tasks, /tasks/<id>, completing, the diagram XML."""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..attachments.service import UploadTarget
from ..database import undone_if_refused
from ..definitions.models import ProcessDefinition
from ..definitions.service import list_latest_definitions
from ..errors import ValidationFailed
from ..extensions import db
from ..forms.inputs import FormState, form_fields, parse_submission
from ..identity.service import find_org_unit
from ..instances.models import ProcessInstance
from ..web.messages import field_errors
from ..web.presenters import dossier_time, dossier_words
from ..web.setup import page_blueprint
from .actions import get_readable_task, mark_copy_read
from .catalogue import process_xml
from .dossier import case_dossier, render_pdf
from .inbox import LISTS, SORTS, TaskFilter, org_units_for, search_tasks
from .service import complete_task
from .task_page import task_page

bp = page_blueprint("worklist", __name__)


@bp.route("/")
def home():
    return redirect(url_for("worklist.task_list"))


@bp.route("/tasks")
def task_list():
    f = _task_filter(request.args)
    page = search_tasks(g.principal, f)
    return render_template("tasks/list.html", f=f, page=page, lists=LISTS, sorts=SORTS,
                           processes=list_latest_definitions(), units=org_units_for(g.principal),
                           args=request.args)


@bp.route("/tasks/<int:task_id>")
def task_detail(task_id):
    task, copy = get_readable_task(task_id, g.principal)
    if copy is not None:
        mark_copy_read(copy)
    return render_template("tasks/detail.html", **task_page(task, copy, g.principal))


@bp.route("/tasks/<int:task_id>/complete", methods=["POST"])
def complete(task_id):
    task, _copy = get_readable_task(task_id, g.principal)
    fields = form_fields(task.form_key, task.form_fields)
    values, upload_errors = parse_submission(fields, request.form, request.files,
                                             UploadTarget("form", g.principal.user_id, task.instance_id, task.id))
    try:
        with undone_if_refused():
            complete_task(task_id, g.principal, values, request.form.get("comment"), upload_errors)
    except ValidationFailed as exc:  # nothing of it kept; the request's commit keeps the stored uploads
        state = FormState(fields, values, field_errors(exc.errors))
        page = task_page(task, None, g.principal, state)
        return render_template("tasks/detail.html", comment=request.form.get("comment", ""), **page)
    flash(_("Task completed: %(name)s", name=task.name), "success")
    return redirect(url_for("worklist.task_list"), 303)


@bp.route("/cases/<int:instance_id>/dossier.pdf")
def dossier(instance_id):
    """案卷: the case printed, for whoever may read it (404 otherwise)."""
    return dossier_pdf(g.principal, instance_id)


def dossier_pdf(principal, instance_id: int) -> Response:
    """The one answer of both doors (this page and /api/v1)."""
    found = case_dossier(principal, instance_id, current_app.config["GOVFLOW"].UPLOAD_DIR)
    name = f"dossier-{found.instance.business_key or instance_id}.pdf"
    return Response(render_pdf(found, dossier_words, dossier_time), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "private, no-store"})


@bp.route("/tasks/<int:task_id>/diagram.bpmn")
def diagram(task_id):
    """The BPMN XML of the task's process version, for whoever may read the task."""
    task, _copy = get_readable_task(task_id, g.principal)
    instance = db.session.get(ProcessInstance, task.instance_id)
    definition = db.session.get(ProcessDefinition, instance.definition_id)
    return Response(process_xml(definition), mimetype="application/xml",
                    headers={"Cache-Control": "private, max-age=300"})


def _task_filter(args) -> TaskFilter:
    which = args.get("list") if args.get("list") in LISTS else "mine"
    unit = find_org_unit(args.get("org") or "") if args.get("org") else None
    return TaskFilter(
        which=which, process_key=args.get("process") or None,
        org_path=unit.path if unit is not None and g.principal.covers(unit.path) else None,
        due_by=_end_of_local_day(args.get("due_by")), q=(args.get("q") or "").strip() or None,
        sort=args.get("sort") if args.get("sort") in SORTS else "due",
        page=args.get("page", 1, type=int) or 1,
        page_size=current_app.config["GOVFLOW"].WORKLIST_PAGE_SIZE)


def _end_of_local_day(text: str | None) -> datetime | None:
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return None
    zone = ZoneInfo(current_app.config["GOVFLOW"].TIMEZONE)
    return datetime.combine(day, time.max, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)

