"""The designer pages (/designer) and the JSON calls of the web modeler."""
from __future__ import annotations

from flask import Response, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..admin.access import is_administrator
from ..admin.blueprint import status_labels
from ..definitions.service import latest_definition
from ..engine.lint.codes import CODES as LINT_CODES
from ..errors import Forbidden, ValidationFailed
from ..forms.inputs import form_fields
from ..web.paging import int_arg
from ..web.setup import page_blueprint
from ..worklist.catalogue import info as definition_info
from ..worklist.inbox import org_units_for
from ..worklist.start_views import submit_start_form
from . import forms, service
from .diff import compare
from .modeler_style import with_flow_lists
from .platform import pickers, start_trial, task_form, trial_runs

bp = page_blueprint("designer", __name__)
bp.url_prefix = "/designer"


@bp.context_processor
def _problem_texts():
    """What each lint code means, in the page's language: the editors show it before the
    detail, which names elements and values as the file has them."""
    return {"problem_texts": {code: _(meaning) for code, (_severity, meaning) in LINT_CODES.items()}}


@bp.before_request
def _designers_only():
    if getattr(g, "principal", None) is not None and not g.principal.has_role("designer"):
        raise Forbidden("process designers only")


@bp.route("")
def catalogue():
    return render_template("designer/catalogue.html", groups=service.catalogue(),
                           decisions=service.decision_files(), new_drafts=service.drafts_of_new_processes(),
                           forms=forms.form_catalogue())


@bp.route("/new", methods=["POST"])
def new_process():
    form = request.form
    draft = service.new_process(form.get("key", "").strip(), form.get("name", ""),
                                form.get("category", "").strip(), g.principal.user_id)
    return redirect(url_for("designer.modeler", key=draft.key), 303)


@bp.route("/<key>")
def modeler(key):
    filename, _xml, draft = service.working_copy(key)
    return render_template("designer/modeler.html", key=key, filename=filename, draft=draft,
                           latest=latest_definition(key, required=False), pickers=pickers())


@bp.route("/<key>/working.bpmn")
def working_xml(key):
    return _xml(service.working_copy(key)[1])


@bp.route("/<key>/v<int:version>.bpmn")
def download(key, version):
    stored = service.version_file(service.definition_version(key, version))
    name = stored.filename.rsplit(".", 1)[0]
    return _xml(with_flow_lists(stored.content), f"{name}-v{version}.bpmn")


@bp.route("/pickers.json")
def picker_values():
    return jsonify(pickers())


@bp.route("/<key>/draft", methods=["POST"])
def save(key):
    draft, problems = service.save_draft(key, _posted_xml(), g.principal.user_id)
    return jsonify({"saved_at": draft.updated_at.isoformat(), "problems": problems})


@bp.route("/<key>/draft/discard", methods=["POST"])
def discard(key):
    service.discard_draft(key)
    return redirect(url_for("designer.modeler", key=key), 303)


@bp.route("/<key>/validate", methods=["POST"])
def validate(key):
    return jsonify({"problems": _problems(service.working_copy(key)[0])})


@bp.route("/<key>/deploy", methods=["POST"])
def deploy(key):
    result, problems = service.deploy_draft(key, _posted_xml(), g.principal.user_id)
    if result is None:
        return jsonify({"message": "the diagram has errors; nothing was deployed", "problems": problems}), 422
    return jsonify({"version": result.versions.get(key), "created": key in result.created,
                    "problems": problems}), 201


@bp.route("/upload", methods=["POST"])
def upload():
    files = {f.filename or "upload.bpmn": f.read() for f in request.files.getlist("file") if f.filename}
    if not files:
        raise ValidationFailed("no file uploaded", {"file": ["choose a .bpmn, .dmn or .form file"]})
    result, problems = service.deploy_files(files, g.principal.user_id, "upload")
    status = 201 if result is not None else 422
    return render_template("designer/upload.html", result=result, problems=problems,
                           filenames=sorted(files)), status


@bp.route("/<key>/compare")
def compare_versions(key):
    latest = service.definition_version(key)
    a = service.definition_version(key, int_arg(request.args, "a") or max(latest.version - 1, 1))
    b = service.definition_version(key, int_arg(request.args, "b") or latest.version)
    changes = compare(service.version_file(a).content, service.version_file(b).content)
    return render_template("designer/compare.html", key=key, a=a, b=b, latest=latest, changes=changes)


@bp.route("/<key>/trial", methods=["GET", "POST"])
def trial(key):
    """A trial instance of the latest version (or ``?version=N``), started from its start form."""
    definition = service.definition_version(key, int_arg(request.args, "version"))

    def start(org, values, fields, upload_errors):
        if upload_errors:
            raise ValidationFailed("upload failed", upload_errors)
        return start_trial(g.principal, definition, org, values)
    state, org, instance = submit_start_form(definition_info(definition), start)
    if instance is not None:  # the admin page follows the trial; designers who are not administrators stay here
        if is_administrator(g.principal):
            return redirect(url_for("admin.instance_detail", instance_id=instance.id), 303)
        flash(_("Trial instance %(id)s started: %(key)s", id=instance.id, key=instance.business_key), "success")
        return redirect(url_for("designer.trials", key=key), 303)
    return render_template("designer/trial.html", definition=definition, form=state,
                           units=org_units_for(g.principal), org=org)


@bp.route("/<key>/trials")
def trials(key):
    """The trial runs of ``key``, to follow: their steps, the open ones to work."""
    definition = service.definition_version(key)
    return render_template("designer/trials.html", definition=definition, runs=trial_runs(key),
                           administrator=is_administrator(g.principal), status_names=status_labels())


@bp.route("/<key>/preview/<element_id>")
def form_preview(key, element_id):
    form_key, fields = task_form(service.working_copy(key)[1], element_id)
    return render_template("designer/preview.html", key=key, element_id=element_id, form_key=form_key,
                           fields=form_fields(form_key, fields))


@bp.route("/decisions/<filename>")
def decision(filename):
    _xml, draft = service.decision_copy(filename)
    return render_template("designer/decision.html", filename=filename, draft=draft)


@bp.route("/decisions/<filename>/working.dmn")
def decision_xml(filename):
    return _xml(service.decision_copy(filename)[0])


@bp.route("/decisions/<filename>/draft", methods=["POST"])
def save_decision(filename):
    draft, problems = service.save_decision_draft(filename, _posted_xml(), g.principal.user_id)
    return jsonify({"saved_at": draft.updated_at.isoformat(), "problems": problems})


@bp.route("/decisions/<filename>/draft/discard", methods=["POST"])
def discard_decision(filename):
    service.discard_draft(filename)
    return redirect(url_for("designer.decision", filename=filename), 303)


@bp.route("/decisions/<filename>/validate", methods=["POST"])
def validate_decision(filename):
    service.decision_copy(filename)
    return jsonify({"problems": _problems(filename)})


@bp.route("/decisions/<filename>/deploy", methods=["POST"])
def deploy_decision(filename):
    result, problems = service.deploy_decision(filename, _posted_xml(), g.principal.user_id)
    if result is None:
        return jsonify({"message": "the table has errors; nothing was deployed", "problems": problems}), 422
    return jsonify({"version": None, "problems": problems}), 201


@bp.route("/forms/new", methods=["POST"])
def new_form():
    draft = forms.new_form(request.form.get("key", "").strip(), g.principal.user_id)
    return redirect(url_for("designer.form_editor", form_id=draft.key.removesuffix(".form")), 303)


@bp.route("/forms/<form_id>")
def form_editor(form_id):
    _text, draft = forms.form_copy(form_id)
    return render_template("designer/form.html", form_id=form_id, draft=draft)


@bp.route("/forms/<form_id>/working.form")
def form_json(form_id):
    return _xml(forms.form_copy(form_id)[0], mimetype="application/json")


@bp.route("/forms/<form_id>/v<int:version>.form")
def form_download(form_id, version):
    stored = forms.form_version(form_id, version).file
    return _xml(stored.content, f"{form_id}-v{version}.form", mimetype="application/json")


@bp.route("/forms/<form_id>/draft", methods=["POST"])
def save_form(form_id):
    draft, problems = forms.save_form_draft(form_id, _posted_xml(), g.principal.user_id)
    return jsonify({"saved_at": draft.updated_at.isoformat(), "problems": problems})


@bp.route("/forms/<form_id>/draft/discard", methods=["POST"])
def discard_form(form_id):
    service.discard_draft(f"{form_id}.form")
    return redirect(url_for("designer.catalogue"), 303)


@bp.route("/forms/<form_id>/validate", methods=["POST"])
def validate_form(form_id):
    return jsonify({"problems": service.validate({f"{form_id}.form": _posted_xml().encode("utf-8")})})


@bp.route("/forms/<form_id>/deploy", methods=["POST"])
def deploy_form(form_id):
    result, problems = forms.deploy_form(form_id, _posted_xml(), g.principal.user_id)
    if result is None:
        return jsonify({"message": "the form has errors; nothing was deployed", "problems": problems}), 422
    return jsonify({"version": result.form_versions.get(form_id), "problems": problems}), 201


def _xml(text: str, download_name: str | None = None, mimetype: str = "application/xml") -> Response:
    """Stored diagrams are user content: a browser opening one directly must not run
    anything in it (XML may carry XHTML script), hence a CSP that allows nothing."""
    headers = {"Content-Security-Policy": "default-src 'none'; sandbox", "X-Content-Type-Options": "nosniff"}
    if download_name:
        headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    return Response(text, mimetype=mimetype, headers=headers)


def _posted_xml() -> str:
    body = request.get_json(silent=True) or {}
    xml = body.get("xml") if isinstance(body, dict) else None
    if not isinstance(xml, str):
        raise ValidationFailed("no diagram sent", {"xml": ["JSON body {\"xml\": \"…\"} is required"]})
    return xml


def _problems(filename: str) -> list[dict]:
    return service.validate({filename: _posted_xml().encode("utf-8")})
