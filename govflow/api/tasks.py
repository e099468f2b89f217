"""Human tasks over REST: every action of the task page, through the same use-case
functions (govflow.worklist), so the rules cannot differ between the two doors."""
from __future__ import annotations

from flask import current_app, request

from ..errors import ValidationFailed
from ..extensions import db
from ..identity.models import User
from ..instances.models import ProcessInstance
from ..instances.operations import task_variables
from ..worklist import actions
from ..worklist.batch import batch_approve, batch_claim
from ..worklist.comments import add_comment, task_comments
from ..worklist.cosign import add_cosigner, sign_task
from ..worklist.history import task_history
from ..worklist.inbox import list_task_rows
from ..worklist.service import claim_task, complete_task, unclaim_task
from ..worklist.withdraw import withdraw_task
from .auth import api_blueprint, principal
from .present import comments_out, history_out, instance_detail_out, task_detail_out, tasks_out, uploads_out
from .schemas import (
    BatchOutSchema,
    BatchSchema,
    CommentSchema,
    CompleteTaskSchema,
    CopyResultSchema,
    CopyTaskSchema,
    CosignerSchema,
    CosignOutSchema,
    HistoryEntrySchema,
    InstanceDetailSchema,
    NewCommentSchema,
    ReturnTaskSchema,
    SignSchema,
    TaskCommentSchema,
    TaskDetailSchema,
    TaskQuerySchema,
    TaskSchema,
    UploadSchema,
    UrgeResultSchema,
    UserChoiceSchema,
)

PREFIX = "/tasks"
blp = api_blueprint("tasks", "Human tasks in the caller's jurisdiction")


@blp.route("")
@blp.arguments(TaskQuerySchema, location="query")
@blp.response(200, TaskSchema(many=True))
def list_my_tasks(args):
    rows, total = list_task_rows(principal(), args["filter"], args["limit"], args["offset"],
                             args.get("process_key"), args.get("instance_id"))
    return tasks_out(rows), {"X-Total-Count": str(total)}


@blp.route("/<int:task_id>")
@blp.response(200, TaskDetailSchema)
def show_task(task_id):
    """A task the caller may work, or read through a copy (抄送)."""
    task, _copy = actions.get_readable_task(task_id, principal())
    if task.status == "open":
        variables = task_variables(task.id)  # the task's own copy (e.g. its multi-instance item)
    else:
        variables = db.session.get(ProcessInstance, task.instance_id).variables or {}
    return task_detail_out(task, variables)


@blp.route("/<int:task_id>/claim", methods=["POST"])
@blp.response(200, TaskSchema)
def claim(task_id):
    return tasks_out([claim_task(task_id, principal())])[0]


@blp.route("/<int:task_id>/unclaim", methods=["POST"])
@blp.response(200, TaskSchema)
def unclaim(task_id):
    return tasks_out([unclaim_task(task_id, principal())])[0]


@blp.route("/<int:task_id>/complete", methods=["POST"])
@blp.arguments(CompleteTaskSchema)
@blp.response(200, TaskSchema)
def complete(args, task_id):
    """Complete with form values and 审批意见 (``comment``, required where the step says so)."""
    task = complete_task(task_id, principal(), args["variables"], args["comment"])
    return tasks_out([task])[0]


@blp.route("/<int:task_id>/transfer", methods=["POST"])
@blp.arguments(UserChoiceSchema)
@blp.response(200, TaskSchema)
def transfer(args, task_id):
    """转办: the task belongs to ``user`` from now on."""
    return tasks_out([actions.transfer_task(task_id, principal(), args["user"], args["comment"])])[0]


@blp.route("/<int:task_id>/delegate", methods=["POST"])
@blp.arguments(UserChoiceSchema)
@blp.response(200, TaskSchema)
def delegate(args, task_id):
    """委派: ``user`` works the task and resolves it back; the caller stays its owner."""
    return tasks_out([actions.delegate_task(task_id, principal(), args["user"], args["comment"])])[0]


@blp.route("/<int:task_id>/resolve", methods=["POST"])
@blp.arguments(CommentSchema)
@blp.response(200, TaskSchema)
def resolve(args, task_id):
    """办毕交回: the delegate hands the task back to its owner (comment required)."""
    return tasks_out([actions.resolve_task(task_id, principal(), args["comment"])])[0]


@blp.route("/<int:task_id>/return", methods=["POST"])
@blp.arguments(ReturnTaskSchema)
@blp.response(200, InstanceDetailSchema)
def return_(args, task_id):
    """退回: back to an earlier step people completed (reason required)."""
    return instance_detail_out(actions.return_task(task_id, principal(), args["step"], args["comment"]))


@blp.route("/<int:task_id>/cosigners", methods=["POST"])
@blp.arguments(CosignerSchema)
@blp.response(201, CosignOutSchema)
def cosign(args, task_id):
    """加签: ask ``user`` to sign before or after the caller, who holds the task."""
    row = add_cosigner(task_id, principal(), args["user"], args["position"], args["comment"])
    return {"id": row.id, "task_id": row.task_id, "signer": db.session.get(User, row.signer_id).username,
            "position": row.position, "state": row.state}


@blp.route("/<int:task_id>/sign", methods=["POST"])
@blp.arguments(SignSchema)
@blp.response(200, TaskSchema)
def sign(args, task_id):
    """The co-signer signs (``agree``: 同意, or 不同意 gives it back) with their 意见."""
    return tasks_out([sign_task(task_id, principal(), args["comment"], args["agree"])])[0]


@blp.route("/<int:task_id>/withdraw", methods=["POST"])
@blp.arguments(CommentSchema)
@blp.response(200, TaskSchema)
def withdraw(args, task_id):
    """撤回: take back a step the caller completed while the next is unclaimed; answers
    the step's new task, held by the caller. 409 says why when it cannot."""
    return tasks_out([withdraw_task(task_id, principal(), args["comment"])])[0]


@blp.route("/batch/claim", methods=["POST"])
@blp.arguments(BatchSchema)
@blp.response(200, BatchOutSchema)
def claim_many(args):
    """批量签收: claim each task; per task, whether it worked and why not."""
    return {"results": batch_claim(args["task_ids"], principal())}


@blp.route("/batch/approve", methods=["POST"])
@blp.arguments(BatchSchema)
@blp.response(200, BatchOutSchema)
def approve_many(args):
    """批量审批: complete each *simple approval* (one yes/no question, answered yes) with
    ``comment``; other tasks are refused with ``not_simple``."""
    return {"results": batch_approve(args["task_ids"], principal(), args["comment"])}


@blp.route("/<int:task_id>/copy", methods=["POST"])
@blp.arguments(CopyTaskSchema)
@blp.response(200, CopyResultSchema)
def copy(args, task_id):
    """抄送: the users may read the task (抄送我的)."""
    added = actions.copy_task(task_id, principal(), args["users"], args["comment"])
    return {"added": [u.username for u in added]}


@blp.route("/<int:task_id>/urge", methods=["POST"])
@blp.arguments(CommentSchema)
@blp.response(200, UrgeResultSchema)
def urge(args, task_id):
    """催办: remind the people of the case's open steps."""
    return {"told": actions.urge_task(task_id, principal(), args["comment"])}


@blp.route("/<int:task_id>/attachments", methods=["POST"])
@blp.doc(requestBody={"content": {"multipart/form-data": {"schema": {
    "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}}})
@blp.response(201, UploadSchema)
def attach(task_id):
    """附件: add a photo or PDF to the task's case (multipart field ``file``)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("no file uploaded", {"file": ["multipart field 'file' is required"]})
    settings = current_app.config["GOVFLOW"]
    row = actions.attach_file(task_id, principal(), upload.stream, upload.filename,
                              settings.UPLOAD_DIR, settings.UPLOAD_MAX_BYTES)
    return uploads_out([row])[0]


@blp.route("/<int:task_id>/comments")
@blp.response(200, TaskCommentSchema(many=True))
def comments(task_id):
    """审批意见 of the task: comments, and those given with its actions."""
    return comments_out(task_comments(principal(), task_id))


@blp.route("/<int:task_id>/comments", methods=["POST"])
@blp.arguments(NewCommentSchema)
@blp.response(201, TaskCommentSchema)
def comment(args, task_id):
    """Add a comment (意见) to the task without completing it."""
    return comments_out([add_comment(principal(), task_id, args["message"])])[0]


@blp.route("/<int:task_id>/history")
@blp.response(200, HistoryEntrySchema(many=True))
def history(task_id):
    """What happened to this task: who did what, when and why."""
    return history_out(task_history(principal(), task_id)[1])
