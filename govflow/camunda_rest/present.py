"""GovFlow's rows in the shapes of Camunda 7's REST answers (its DTOs)."""
from __future__ import annotations

from collections.abc import Set as AbstractSet

from sqlalchemy import select

from ..extensions import db
from ..identity.models import User
from ..instances.models import InstanceStatus, ProcessInstance
from ..worklist.models import DelegationState
from .variables import camunda_date, typed_out

#: GovFlow's instance statuses as Camunda's historic process-instance states.
STATES = {"active": "ACTIVE", "error": "ACTIVE", "suspended": "SUSPENDED", "completed": "COMPLETED",
          "terminated": "EXTERNALLY_TERMINATED"}


def usernames(ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def definition_id(key: str, version: int, row_id: int) -> str:
    return f"{key}:{version}:{row_id}"


def definition_ids(instance_ids) -> dict[int, str]:
    """{instance id: its definition's id, key:version:row}, in one query."""
    ids = {i for i in instance_ids if i is not None}
    if not ids:
        return {}
    return {i: definition_id(key, version, row) for i, key, version, row in db.session.execute(
        select(ProcessInstance.id, ProcessInstance.process_key, ProcessInstance.version,
               ProcessInstance.definition_id).where(ProcessInstance.id.in_(ids)))}


def definition_out(d) -> dict:
    return {"id": definition_id(d.key, d.version, d.id), "key": d.key, "category": d.category,
            "description": None, "name": d.name, "version": d.version, "resource": d.file.filename,
            "deploymentId": str(d.deployment_id), "diagram": None, "suspended": d.is_suspended, "tenantId": None,
            "versionTag": None, "historyTimeToLive": None, "startableInTasklist": True}


def deployment_out(deployment) -> dict:
    return {"links": [], "id": str(deployment.id), "name": deployment.name, "source": deployment.source,
            "deploymentTime": camunda_date(deployment.created_at), "tenantId": None}


def instance_out(i, variables: bool = False) -> dict:
    out = {"links": [], "id": str(i.id), "definitionId": definition_id(i.process_key, i.version, i.definition_id),
           "businessKey": i.business_key, "caseInstanceId": None,
           "ended": i.status in (InstanceStatus.completed.value, InstanceStatus.terminated.value),
           "suspended": i.status == InstanceStatus.suspended.value, "tenantId": None}
    if variables:
        out["variables"] = typed_out(i.variables)
    return out


def historic_instance_out(i, definition_name: str | None) -> dict:
    started = usernames([i.started_by_id]).get(i.started_by_id)
    duration = int((i.ended_at - i.started_at).total_seconds() * 1000) if i.ended_at else None
    return {"id": str(i.id), "businessKey": i.business_key,
            "processDefinitionId": definition_id(i.process_key, i.version, i.definition_id),
            "processDefinitionKey": i.process_key, "processDefinitionName": definition_name,
            "processDefinitionVersion": i.version, "startTime": camunda_date(i.started_at),
            "endTime": camunda_date(i.ended_at), "removalTime": None, "durationInMillis": duration,
            "startUserId": started, "startActivityId": None,
            "deleteReason": "terminated" if i.status == InstanceStatus.terminated.value else None,
            "rootProcessInstanceId": str(i.id), "superProcessInstanceId": None, "superCaseInstanceId": None,
            "caseInstanceId": None, "tenantId": None, "state": STATES.get(i.status, "ACTIVE")}


def _task_common(t, users: dict, definitions: dict[int, str]) -> dict:
    return {"id": str(t.id), "name": t.name, "assignee": users.get(t.assignee_id),
            "due": camunda_date(t.due_at), "followUp": camunda_date(t.follow_up_at),
            "description": None, "executionId": str(t.instance_id), "owner": None, "parentTaskId": None,
            "priority": t.priority, "processDefinitionId": definitions.get(t.instance_id),
            "processInstanceId": str(t.instance_id),
            "taskDefinitionKey": t.element_id, "tenantId": None}


def tasks_out(rows, suspended_instances: AbstractSet[int] = frozenset()) -> list[dict]:
    users = usernames(r.assignee_id for r in rows)
    definitions = definition_ids(r.instance_id for r in rows)
    out = []
    for t in rows:
        state = {DelegationState.pending.value: "PENDING", DelegationState.resolved.value: "RESOLVED"}
        out.append({**_task_common(t, users, definitions),
                    "created": camunda_date(t.created_at), "delegationState": state.get(t.delegation_state),
                    "caseExecutionId": None, "caseInstanceId": None, "caseDefinitionId": None,
                    "suspended": t.instance_id in suspended_instances, "formKey": t.form_key,
                    "camundaFormRef": None})
    return out


def historic_tasks_out(rows) -> list[dict]:
    users = usernames(r.assignee_id for r in rows)
    definitions = definition_ids(r.instance_id for r in rows)
    out = []
    for t in rows:
        ended = t.completed_at if t.status != "open" else None
        out.append({**_task_common(t, users, definitions), "processDefinitionKey": t.process_key,
                    "activityInstanceId": None, "startTime": camunda_date(t.created_at),
                    "endTime": camunda_date(ended),
                    "duration": int((ended - t.created_at).total_seconds() * 1000) if ended else None,
                    "deleteReason": {"completed": "completed", "cancelled": "deleted"}.get(t.status),
                    "removalTime": None, "rootProcessInstanceId": str(t.instance_id)})
    return out


def comment_out(event) -> dict:
    return {"links": [], "id": str(event.id), "userId": usernames([event.actor_id]).get(event.actor_id),
            "taskId": str(event.task_id), "processInstanceId": str(event.instance_id),
            "time": camunda_date(event.at), "message": event.comment, "removalTime": None,
            "rootProcessInstanceId": str(event.instance_id)}
