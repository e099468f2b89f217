"""Starting a case: the catalogue of processes the user may start, and a start form."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..attachments.service import UploadTarget
from ..database import undone_if_refused
from ..errors import ValidationFailed
from ..forms.inputs import FormState, form_fields, parse_submission
from ..web.messages import field_errors
from ..web.setup import page_blueprint
from .catalogue import startable_definition, startable_definitions
from .inbox import first_open_task, org_units_for
from .starting import start_process

bp = page_blueprint("start", __name__)


@bp.route("/start")
def catalogue():
    return render_template("start/catalogue.html", definitions=startable_definitions(g.principal))


@bp.route("/start/<key>", methods=["GET", "POST"])
def start_form(key):
    definition, details = startable_definition(g.principal, key)
    state, org, instance = submit_start_form(details, lambda org, values, fields, upload_errors: start_process(
        g.principal, key, org, values, upload_errors=upload_errors))
    if instance is not None:
        flash(_("Started: %(title)s", title=instance.title or definition.name), "success")
        task = first_open_task(g.principal, instance.id)
        return redirect(url_for("worklist.task_detail", task_id=task.id) if task else url_for("worklist.task_list"), 303)
    return render_template("start/form.html", definition=definition, details=details, form=state,
                           units=org_units_for(g.principal), org=org)


def submit_start_form(details, start):
    """``(form state, org unit code, started instance or None)`` of a start-form request:
    on POST the submission is parsed and ``start(org, values, fields, upload_errors)``
    called; what it refuses comes back as field errors."""
    fields = form_fields(details.start_form_key, details.start_form_fields)
    state, org = FormState(fields, {}, {}), request.form.get("org_unit", "")
    if request.method != "POST":
        return state, org, None
    values, upload_errors = parse_submission(fields, request.form, request.files,
                                             UploadTarget("form", g.principal.user_id))
    try:
        with undone_if_refused():
            return state, org, start(org, values, fields, upload_errors)
    except ValidationFailed as exc:  # the uploads that passed stay stored, shown with the form again
        return FormState(fields, values, field_errors(exc.errors)), org, None
