"""``/task``: the caller's tasks, and claiming, completing and commenting on them."""
from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import select

from ..errors import ValidationFailed
from ..extensions import db
from ..forms.camunda.references import form_document
from ..forms.validation import describe
from ..identity.models import User
from ..instances.models import InstanceStatus, ProcessInstance
from ..instances.operations import task_variables
from ..worklist.actions import get_readable_task
from ..worklist.comments import add_comment, task_comments
from ..worklist.inbox import list_task_rows
from ..worklist.service import claim_task, complete_task, unclaim_task
from . import bp
from .auth import principal
from .present import comment_out, tasks_out
from .variables import int_id, json_body, page_args, typed_in, typed_out

NO_CONTENT = ("", 204)


def _task_id(task_id: str) -> int:
    return int_id(task_id, "task")


def _suspended(rows) -> set[int]:
    ids = {r.instance_id for r in rows}
    return set(db.session.scalars(select(ProcessInstance.id).where(
        ProcessInstance.id.in_(ids), ProcessInstance.status == InstanceStatus.suspended.value))) if ids else set()


@bp.route("/task")
def tasks():
    """Open tasks offered to the caller; ``candidateUser`` other than the caller matches nothing
    (another person's offers are theirs to read)."""
    first, size = page_args()
    args, p = request.args, principal()
    which = "candidate" if args.get("candidateUser") or args.get("candidateGroup") else "all"
    if args.get("candidateUser") not in (None, p.username):
        return jsonify([])
    assignee_id = None
    if args.get("assignee") is not None:
        assignee_id = db.session.scalar(select(User.id).where(User.username == args["assignee"]))
        if assignee_id is None:
            return jsonify([])
    instance_id = args.get("processInstanceId")
    rows, _total = list_task_rows(p, which, size, first, args.get("processDefinitionKey"),
                              int_id(instance_id, "process instance") if instance_id is not None else None,
                              assignee_id=assignee_id, candidate_group=args.get("candidateGroup"))
    return jsonify(tasks_out(rows, _suspended(rows)))


@bp.route("/task/<task_id>")
def task(task_id):
    row, _copy = get_readable_task(_task_id(task_id), principal())
    return jsonify(tasks_out([row], _suspended([row]))[0])


@bp.route("/task/<task_id>/form-variables")
def form_variables(task_id):
    """The task's form fields with their current values (all variables for a task without a form)."""
    row, _copy = get_readable_task(_task_id(task_id), principal())
    values = task_variables(row.id) if row.status == "open" else \
        db.session.get(ProcessInstance, row.instance_id).variables or {}
    fields = [f["id"] for f in describe(row.form_key, row.form_fields or [])]
    return jsonify(typed_out({k: values.get(k) for k in fields} if fields else values))


@bp.route("/task/<task_id>/deployed-form")
def deployed_form(task_id):
    """The Camunda Form (JSON schema) of the task, the version the task was created with."""
    row, _copy = get_readable_task(_task_id(task_id), principal())
    return jsonify(form_document(row.form_key))


@bp.route("/task/<task_id>/claim", methods=["POST"])
def claim(task_id):
    """Claim for oneself: ``userId`` must be the caller (giving a task to someone else is 转办)."""
    user = json_body().get("userId")
    if user not in (None, principal().username):
        raise ValidationFailed("a task is claimed by the caller", {"userId": ["must be your own user name"]})
    claim_task(_task_id(task_id), principal())
    return NO_CONTENT


@bp.route("/task/<task_id>/unclaim", methods=["POST"])
def unclaim(task_id):
    unclaim_task(_task_id(task_id), principal())
    return NO_CONTENT


@bp.route("/task/<task_id>/complete", methods=["POST"])
@bp.route("/task/<task_id>/submit-form", methods=["POST"])
def complete(task_id):
    """Complete with typed ``variables``; ``withVariablesInReturn`` answers them."""
    body = json_body()
    done = complete_task(_task_id(task_id), principal(), typed_in(body.get("variables")))
    if body.get("withVariablesInReturn"):
        return jsonify(typed_out(db.session.get(ProcessInstance, done.instance_id).variables))
    return NO_CONTENT


@bp.route("/task/<task_id>/comment")
def comments(task_id):
    return jsonify([comment_out(e) for e in task_comments(principal(), _task_id(task_id))])


@bp.route("/task/<task_id>/comment/create", methods=["POST"])
def comment(task_id):
    message = json_body().get("message")
    return jsonify(comment_out(add_comment(principal(), _task_id(task_id),
                                           message if isinstance(message, str) else None)))
