"""``/process-instance``, ``/message`` and ``/history``: reading and operating
instances, correlating messages, and what happened."""
from __future__ import annotations

from flask import jsonify, request

from ..admin.service import operate
from ..definitions.models import ProcessDefinition
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..instances.listing import search_instances
from ..instances.service import get_readable_instance, send_message
from ..worklist.history import instance_steps
from ..worklist.inbox import list_task_rows
from . import bp
from .auth import principal
from .present import historic_instance_out, historic_tasks_out, instance_out
from .variables import int_id, json_body, page_args, typed_in, typed_out

NO_CONTENT = ("", 204)


def _instance(instance_id: str):
    return get_readable_instance(principal(), int_id(instance_id, "process instance"))


@bp.route("/process-instance")
def instances():
    first, size = page_args()
    rows, _total, _capped = search_instances(principal(), limit=size, offset=first,
                                             business_key=request.args.get("businessKey"),
                                             process_key=request.args.get("processDefinitionKey"))
    return jsonify([instance_out(i) for i in rows])


@bp.route("/process-instance/<instance_id>")
def instance(instance_id):
    return jsonify(instance_out(_instance(instance_id)))


@bp.route("/process-instance/<instance_id>/variables")
def instance_variables(instance_id):
    return jsonify(typed_out(_instance(instance_id).variables))


@bp.route("/process-instance/<instance_id>", methods=["DELETE"])
def delete_instance(instance_id):
    """Camunda deletes; GovFlow terminates (the history stays), as an administrator's operation."""
    reason = request.args.get("deleteReason") or "DELETE /engine-rest/process-instance"
    operate(principal(), _instance(instance_id).id, "terminate", reason)
    return NO_CONTENT


@bp.route("/process-instance/<instance_id>/suspended", methods=["PUT"])
def suspend_instance(instance_id):
    suspended = json_body().get("suspended")
    if not isinstance(suspended, bool):
        raise ValidationFailed("suspended is true or false", {"suspended": ["a boolean"]})
    operate(principal(), _instance(instance_id).id, "suspend" if suspended else "resume",
            "PUT /engine-rest/process-instance/{id}/suspended")
    return NO_CONTENT


@bp.route("/message", methods=["POST"])
def correlate_message():
    """Correlate by ``businessKey`` or ``processInstanceId`` within the caller's jurisdiction;
    nothing waiting (or nothing the caller may reach) is Camunda's 400."""
    body = json_body()
    name = body.get("messageName")
    if not isinstance(name, str) or not name:
        raise ValidationFailed("messageName is required", {"messageName": ["required"]})
    instance_id = body.get("processInstanceId")
    business_key = body.get("businessKey")
    if business_key is not None and not isinstance(business_key, str):
        raise ValidationFailed("businessKey is a string", {"businessKey": ["a string"]})
    variables = typed_in(body.get("processVariables"), "processVariables")
    try:
        target = int_id(instance_id, "process instance") if instance_id is not None else None
        ids = send_message(principal(), name, business_key, target, variables)
    except NotFound as exc:
        raise ValidationFailed(f"Cannot correlate message '{name}': No process definition or execution "
                               "matches the parameters", {}) from exc
    if not body.get("resultEnabled"):
        return NO_CONTENT
    return jsonify([{"resultType": "Execution", "execution": None,
                     "processInstance": instance_out(get_readable_instance(principal(), i),
                                                     variables=bool(body.get("variablesInResultEnabled")))}
                    for i in ids])


@bp.route("/history/process-instance/<instance_id>")
def historic_instance(instance_id):
    i = _instance(instance_id)
    definition = db.session.get(ProcessDefinition, i.definition_id)
    return jsonify(historic_instance_out(i, definition.name if definition else None))


@bp.route("/history/task")
def historic_tasks():
    """The steps of ``processInstanceId`` (an instance the caller may read), else the
    tasks the caller completed."""
    first, size = page_args()
    instance_id = request.args.get("processInstanceId")
    if instance_id is not None:
        rows = instance_steps(principal(), int_id(instance_id, "process instance"))[first:first + size]
    else:
        rows, _total = list_task_rows(principal(), "done", size, first)
    assignee = request.args.get("taskAssignee")
    rows = [r for r in historic_tasks_out(rows) if assignee is None or r["assignee"] == assignee]
    return jsonify(rows)
