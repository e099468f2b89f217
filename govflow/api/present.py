"""Shape domain rows for the API schemas (names instead of ids)."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..forms.validation import describe
from ..identity.models import OrgUnit, User
from ..instances.models import Incident, InstanceEvent
from ..timeutil import as_aware
from ..worklist.models import HumanTask, TaskStatus


def _names(model, column, ids):
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(model.id, column).where(model.id.in_(ids))).all())


def tasks_out(rows: list[HumanTask]) -> list[dict]:
    users = _names(User, User.username, [r.assignee_id for r in rows])
    units = _names(OrgUnit, OrgUnit.code, [r.scope_org_unit_id for r in rows])
    return [{
        "id": r.id, "name": r.name, "element_id": r.element_id, "instance_id": r.instance_id,
        "process_key": r.process_key, "business_key": r.business_key, "status": r.status,
        "assignee": users.get(r.assignee_id), "candidate_groups": r.candidate_groups or [],
        "candidate_users": r.candidate_users or [], "scope": units.get(r.scope_org_unit_id),
        "due_at": as_aware(r.due_at), "priority": r.priority, "form_key": r.form_key,
        "created_at": as_aware(r.created_at),
    } for r in rows]


def task_detail_out(task: HumanTask, variables: dict) -> dict:
    out = tasks_out([task])[0]
    out["variables"] = variables
    out["form"] = {"fields_": describe(task.form_key, task.form_fields or [])}
    return out


def instances_out(rows) -> list[dict]:
    units = _names(OrgUnit, OrgUnit.code, [r.org_unit_id for r in rows])
    return [{
        "id": r.id, "process_key": r.process_key, "version": r.version, "status": r.status,
        "org_unit": units.get(r.org_unit_id), "business_key": r.business_key, "title": r.title,
        "started_at": as_aware(r.started_at), "ended_at": as_aware(r.ended_at),
        "current_steps": r.current_steps,
    } for r in rows]


def instance_detail_out(instance) -> dict:
    out = instances_out([instance])[0]
    out["variables"] = instance.variables or {}
    tasks = db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.open.value)
        .order_by(HumanTask.id)).all()
    out["tasks"] = tasks_out(tasks)
    out["incidents"] = [{"id": i.id, "element_id": i.element_id, "element_name": i.element_name,
                         "message": i.message, "created_at": as_aware(i.created_at)}
                        for i in db.session.scalars(select(Incident).where(
                            Incident.instance_id == instance.id, Incident.resolved_at.is_(None)))]
    return out


def events_out(instance_id: int) -> list[dict]:
    rows = db.session.scalars(select(InstanceEvent).where(InstanceEvent.instance_id == instance_id)
                              .order_by(InstanceEvent.id)).all()
    users = _names(User, User.username, [r.actor_id for r in rows])
    return [{"id": r.id, "kind": r.kind, "element_id": r.element_id, "task_id": r.task_id,
             "actor": users.get(r.actor_id), "at": as_aware(r.at), "comment": r.comment,
             "data": r.data} for r in rows]


def uploads_out(rows) -> list[dict]:
    return [{"id": r.id, "filename": r.filename, "size": r.size, "content_type": r.content_type} for r in rows]


def definition_detail_out(definition, details, versions) -> dict:
    return {"key": definition.key, "name": definition.name, "version": definition.version,
            "documentation": details.documentation,
            "versions": [{"version": v.version, "deployed_at": as_aware(v.created_at)} for v in versions],
            "start_form": {"fields_": describe(details.start_form_key, list(details.start_form_fields))}}


def history_out(rows: list[dict]) -> list[dict]:
    users = _names(User, User.username, [r["actor_id"] for r in rows])
    return [{**{k: v for k, v in r.items() if k != "actor_id"}, "actor": users.get(r["actor_id"]),
             "at": as_aware(r["at"])} for r in rows]


def comments_out(rows: list[InstanceEvent]) -> list[dict]:
    users = _names(User, User.username, [r.actor_id for r in rows])
    return [{"id": r.id, "task_id": r.task_id, "instance_id": r.instance_id, "kind": r.kind,
             "user": users.get(r.actor_id), "at": as_aware(r.at), "message": r.comment} for r in rows]
