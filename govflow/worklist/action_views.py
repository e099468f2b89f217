"""The action buttons of the task page. Each posts, runs one service, and
returns to a page with a message; a refused action changes nothing."""
from __future__ import annotations

from flask import current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from ..database import undone_if_refused
from ..errors import Conflict, ValidationFailed
from ..web.messages import field_errors, translate_message
from ..web.setup import page_blueprint
from . import actions
from .batch import batch_approve, batch_claim
from .cosign import add_cosigner, sign_task
from .service import claim_task, unclaim_task
from .withdraw import withdraw_task

bp = page_blueprint("task_actions", __name__)


def _act(task_id: int, run, done_message: str, leave: bool = False):
    """Run ``run()``; on a refusal say why (nothing of it is kept). ``leave``: the task left the user."""
    try:
        with undone_if_refused():
            run()
    except (Conflict, ValidationFailed) as exc:
        errors = field_errors(getattr(exc, "errors", None) or {})
        flash("；".join(m for ms in errors.values() for m in ms) or translate_message(exc.message), "error")
        return redirect(url_for("worklist.task_detail", task_id=task_id), 303)
    flash(done_message, "success")
    target = url_for("worklist.task_list") if leave else url_for("worklist.task_detail", task_id=task_id)
    return redirect(target, 303)


def _comment() -> str:
    return request.form.get("comment", "")


@bp.route("/tasks/<int:task_id>/claim", methods=["POST"])
def claim(task_id):
    return _act(task_id, lambda: claim_task(task_id, g.principal), _("You have claimed the task."))


@bp.route("/tasks/<int:task_id>/unclaim", methods=["POST"])
def unclaim(task_id):
    return _act(task_id, lambda: unclaim_task(task_id, g.principal), _("The task is back in the pool."))


@bp.route("/tasks/<int:task_id>/transfer", methods=["POST"])
def transfer(task_id):
    return _act(task_id, lambda: actions.transfer_task(task_id, g.principal, request.form.get("user", ""),
                                                       _comment()), _("The task was transferred."), leave=True)


@bp.route("/tasks/<int:task_id>/delegate", methods=["POST"])
def delegate(task_id):
    return _act(task_id, lambda: actions.delegate_task(task_id, g.principal, request.form.get("user", ""),
                                                       _comment()), _("The task was delegated."))


@bp.route("/tasks/<int:task_id>/resolve", methods=["POST"])
def resolve(task_id):
    return _act(task_id, lambda: actions.resolve_task(task_id, g.principal, _comment()),
                _("The task went back to its owner."), leave=True)


@bp.route("/tasks/<int:task_id>/return", methods=["POST"])
def return_(task_id):
    return _act(task_id, lambda: actions.return_task(task_id, g.principal, request.form.get("step", ""),
                                                     _comment()), _("The case was returned."), leave=True)


@bp.route("/tasks/<int:task_id>/cosign", methods=["POST"])
def cosign(task_id):
    return _act(task_id, lambda: add_cosigner(task_id, g.principal, request.form.get("user", ""),
                                              request.form.get("position", ""), _comment()),
                _("The co-signer was added."))


@bp.route("/tasks/<int:task_id>/sign", methods=["POST"])
def sign(task_id):
    agree = request.form.get("agree", "yes") != "no"
    return _act(task_id, lambda: sign_task(task_id, g.principal, _comment(), agree),
                _("Your signature was recorded.") if agree else _("The task went back with your objection."),
                leave=True)


@bp.route("/tasks/<int:task_id>/withdraw", methods=["POST"])
def withdraw(task_id):
    """撤回: on success, straight to the step's new task with what was entered before."""
    again = []
    answer = _act(task_id, lambda: again.append(withdraw_task(task_id, g.principal, _comment())),
                  _("The step was withdrawn; it is yours again."))
    return redirect(url_for("worklist.task_detail", task_id=again[0].id), 303) if again else answer


@bp.route("/tasks/batch", methods=["POST"])
def batch():
    """批量签收 / 批量审批 from the worklist's checkboxes; a line per refused task."""
    ids = [int(i) for i in request.form.getlist("task") if i.isdigit()]
    approve = request.form.get("action") == "approve"
    back = redirect(url_for("worklist.task_list", list=request.form.get("list") or "mine"), 303)
    try:
        with undone_if_refused():
            results = batch_approve(ids, g.principal, _comment()) if approve else batch_claim(ids, g.principal)
    except ValidationFailed:
        flash(_("Choose tasks first."), "error")
        return back
    done = sum(r.ok for r in results)
    if done:
        flash(_("Approved: %(n)d", n=done) if approve else _("Claimed: %(n)d", n=done), "success")
    for r in results:
        if not r.ok:
            flash(_("Task %(id)d: %(why)s", id=r.task_id, why=batch_refusal(r)), "error")
    return back


def batch_refusal(result) -> str:
    errors = field_errors(result.errors or {})
    return "；".join(m for ms in errors.values() for m in ms) or translate_message(result.message or "")


@bp.route("/tasks/<int:task_id>/copy", methods=["POST"])
def copy(task_id):
    return _act(task_id, lambda: actions.copy_task(task_id, g.principal, request.form.getlist("users"),
                                                   _comment()), _("The task was copied."))


@bp.route("/tasks/<int:task_id>/urge", methods=["POST"])
def urge(task_id):
    return _act(task_id, lambda: actions.urge_task(task_id, g.principal, _comment()),
                _("The people handling the case were urged."))


@bp.route("/tasks/<int:task_id>/attachments", methods=["POST"])
def attach(task_id):
    settings, upload = current_app.config["GOVFLOW"], request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file first."), "error")
        return redirect(url_for("worklist.task_detail", task_id=task_id), 303)
    return _act(task_id, lambda: actions.attach_file(task_id, g.principal, upload.stream, upload.filename,
                                                     settings.UPLOAD_DIR, settings.UPLOAD_MAX_BYTES),
                _("The attachment was added."))
