"""``/external-task``: workers fetch and lock tasks of their topics, then complete
them, report failures (retries; at 0 an incident) or BPMN errors (caught by an
error boundary event, else an incident), or extend and give up locks.

``asyncResponseTimeout`` long-polls: an empty fetch is retried every
POLL_INTERVAL until the timeout, at most MAX_WAIT, each try in a transaction of
its own so that no lock or snapshot is held while waiting.
"""
from __future__ import annotations

import time

from flask import jsonify

from ..errors import ValidationFailed
from ..extensions import db
from ..external_tasks.service import (
    MAX_LOCK_MS,
    Topic,
    complete,
    extend_lock,
    fail,
    fetch_and_lock,
    get_external_task,
    throw_bpmn_error,
    unlock,
)
from . import bp
from .auth import principal
from .present import definition_ids
from .variables import camunda_date, int_id, json_body, typed_in, typed_out

NO_CONTENT = ("", 204)
#: Longest long poll, in seconds: a gunicorn worker thread waits this long at most.
MAX_WAIT = 20.0
POLL_INTERVAL = 0.25


def _number(body: dict, name: str, default=None, low: int = 0, high: int = MAX_LOCK_MS) -> int:
    value = body.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationFailed(f"{name} must be an integer from {low} to {high}", {name: ["integer"]})
    return value


def _worker(body: dict) -> str:
    worker = body.get("workerId")
    if not isinstance(worker, str) or not worker or len(worker) > 255:
        raise ValidationFailed("workerId is required", {"workerId": ["required"]})
    return worker


def _topics(body: dict) -> list[Topic]:
    topics = body.get("topics")
    if not isinstance(topics, list) or not topics or len(topics) > 100:
        raise ValidationFailed("topics is a list of {topicName, lockDuration}", {"topics": ["required"]})
    out = []
    for t in topics:
        if not isinstance(t, dict) or not isinstance(t.get("topicName"), str):
            raise ValidationFailed("every topic needs a topicName", {"topics": ["topicName"]})
        names = t.get("variables")
        if names is not None and not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
            raise ValidationFailed("variables is a list of names", {"topics": ["variables"]})
        out.append(Topic(t["topicName"], _number(t, "lockDuration", low=1), names))
    return out


@bp.route("/external-task/fetchAndLock", methods=["POST"])
def fetch():
    body = json_body()
    worker, topics = _worker(body), _topics(body)
    max_tasks = _number(body, "maxTasks", 1, 0, 100)
    wait = min(_number(body, "asyncResponseTimeout", 0, 0, 10_000_000) / 1000, MAX_WAIT)
    deadline = time.monotonic() + wait
    while True:
        locked = fetch_and_lock(principal(), worker, topics, max_tasks)
        if locked or time.monotonic() >= deadline:
            break
        db.session.rollback()  # nothing changed; wait outside any transaction
        time.sleep(POLL_INTERVAL)
    definitions = definition_ids(task.instance_id for task, _ in locked)
    return jsonify([_locked_out(task, values, definitions) for task, values in locked])


def _locked_out(task, values: dict, definitions: dict[int, str]) -> dict:
    return {"activityId": task.element_id, "activityInstanceId": task.engine_task_id,
            "errorMessage": task.error_message, "errorDetails": task.error_details,
            "executionId": str(task.instance_id), "id": str(task.id),
            "lockExpirationTime": camunda_date(task.lock_expires_at),
            "processDefinitionId": definitions.get(task.instance_id),
            "processDefinitionKey": task.process_key, "processDefinitionVersionTag": None,
            "processInstanceId": str(task.instance_id), "retries": task.retries, "suspended": False,
            "workerId": task.worker_id, "topicName": task.topic, "tenantId": None,
            "variables": typed_out(values), "priority": 0, "businessKey": task.business_key,
            "extensionProperties": {}}


@bp.route("/external-task/<external_task_id>")
def external_task(external_task_id):
    task = get_external_task(principal(), int_id(external_task_id, "external task"))
    return jsonify(_locked_out(task, {}, definition_ids([task.instance_id])))


@bp.route("/external-task/<external_task_id>/complete", methods=["POST"])
def complete_external(external_task_id):
    body = json_body()
    variables = {**typed_in(body.get("localVariables"), "localVariables"), **typed_in(body.get("variables"))}
    complete(principal(), int_id(external_task_id, "external task"), _worker(body), variables)
    return NO_CONTENT


@bp.route("/external-task/<external_task_id>/failure", methods=["POST"])
def failure(external_task_id):
    body = json_body()
    details = body.get("errorDetails")
    message = body.get("errorMessage")
    fail(principal(), int_id(external_task_id, "external task"), _worker(body),
         message if isinstance(message, str) else None, details if isinstance(details, str) else None,
         _number(body, "retries", 0, 0, 1000), _number(body, "retryTimeout", 0))
    return NO_CONTENT


@bp.route("/external-task/<external_task_id>/bpmnError", methods=["POST"])
def bpmn_error(external_task_id):
    body = json_body()
    code = body.get("errorCode")
    if not isinstance(code, str) or not code or len(code) > 255:
        raise ValidationFailed("errorCode is required", {"errorCode": ["required"]})
    message = body.get("errorMessage")
    throw_bpmn_error(principal(), int_id(external_task_id, "external task"), _worker(body), code,
                     message if isinstance(message, str) else None, typed_in(body.get("variables")))
    return NO_CONTENT


@bp.route("/external-task/<external_task_id>/extendLock", methods=["POST"])
def extend(external_task_id):
    body = json_body()
    extend_lock(principal(), int_id(external_task_id, "external task"), _worker(body), _number(body, "newDuration", low=1))
    return NO_CONTENT


@bp.route("/external-task/<external_task_id>/unlock", methods=["POST"])
def unlock_external(external_task_id):
    unlock(principal(), int_id(external_task_id, "external task"))
    return NO_CONTENT
