from __future__ import annotations

from ..worklist.service import claim_task, complete_task, get_visible_task, list_tasks, unclaim_task
from ..instances.models import ProcessInstance
from ..instances.operations import task_variables
from ..extensions import db
from .auth import api_blueprint, principal
from .present import task_detail_out, tasks_out
from .schemas import CompleteTaskSchema, TaskDetailSchema, TaskQuerySchema, TaskSchema

PREFIX = "/tasks"
blp = api_blueprint("tasks", "Human tasks in the caller's jurisdiction")


@blp.route("")
@blp.arguments(TaskQuerySchema, location="query")
@blp.response(200, TaskSchema(many=True))
def list_my_tasks(args):
    rows, total = list_tasks(principal(), args["filter"], args["limit"], args["offset"],
                             args.get("process_key"), args.get("instance_id"))
    return tasks_out(rows), {"X-Total-Count": str(total)}


@blp.route("/<int:task_id>")
@blp.response(200, TaskDetailSchema)
def show_task(task_id):
    task = get_visible_task(task_id, principal(), for_change=False)
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
    task = complete_task(task_id, principal(), args["variables"], args["comment"])
    return tasks_out([task])[0]

