"""Shape domain rows for the API schemas (names instead of ids), residents' personal
data masked for the reader (govflow/privacy: a supervisor gets what the supervisor's
ledger export shows; staff working the case and administrators everything).

``reader`` defaults to the API request's principal, so no endpoint can forget it."""
from __future__ import annotations

from collections.abc import Sequence

from flask import g

from ..extensions import db
from ..forms.pickers import for_case
from ..forms.validation import describe
from ..identity.access import Principal
from ..identity.names import unit_codes, usernames
from ..instances.models import InstanceEvent, ProcessInstance
from ..instances.service import events_of, open_work
from ..privacy.audience import audience_for
from ..privacy.masking import Audience, mask_text, mask_variables, reporter_names
from ..timeutil import as_aware
from ..worklist.models import HumanTask


def _audience(reader: Principal | None, path: str) -> Audience:
    return audience_for(reader or g.get("principal"), path)


def tasks_out(rows: Sequence[HumanTask]) -> list[dict]:
    users = usernames([r.assignee_id for r in rows])
    units = unit_codes([r.scope_org_unit_id for r in rows])
    return [{
        "id": r.id, "name": r.name, "element_id": r.element_id, "instance_id": r.instance_id,
        "process_key": r.process_key, "business_key": r.business_key, "status": r.status,
        "assignee": users.get(r.assignee_id), "candidate_groups": r.candidate_groups or [],
        "candidate_users": r.candidate_users or [], "scope": units.get(r.scope_org_unit_id),
        "due_at": as_aware(r.due_at), "priority": r.priority, "form_key": r.form_key,
        "created_at": as_aware(r.created_at),
    } for r in rows]


def task_detail_out(task: HumanTask, variables: dict, reader: Principal | None = None) -> dict:
    out = tasks_out([task])[0]
    out["variables"] = mask_variables(_audience(reader, task.scope_path), variables)
    instance = db.session.get_one(ProcessInstance, task.instance_id)
    with for_case(instance.org_unit_id, instance.variables):  # pickers and valuesKey options of this case
        out["form"] = {"fields_": describe(task.form_key, task.form_fields or [])}
    return out


def instances_out(rows, reader: Principal | None = None) -> list[dict]:
    units = unit_codes([r.org_unit_id for r in rows])
    return [{
        "id": r.id, "process_key": r.process_key, "version": r.version, "status": r.status,
        "org_unit": units.get(r.org_unit_id), "business_key": r.business_key,
        "title": mask_text(r.title, reporter_names(r.variables), _audience(reader, r.org_path)),
        "started_at": as_aware(r.started_at), "ended_at": as_aware(r.ended_at),
        "current_steps": r.current_steps, "next_timer_at": as_aware(r.next_timer_at),
    } for r in rows]


def instance_detail_out(instance, reader: Principal | None = None, work: tuple | None = None) -> dict:
    """``work``: (open tasks, unresolved incidents) when the caller read them with the
    instance (instances.service.open_work); read here otherwise."""
    audience = _audience(reader, instance.org_path)
    names = reporter_names(instance.variables)
    out = instances_out([instance], reader)[0]
    out["variables"] = mask_variables(audience, instance.variables)
    tasks, incidents = work if work is not None else open_work(instance.id)[1:]
    out["tasks"] = tasks_out(tasks)
    out["incidents"] = [{"id": i.id, "element_id": i.element_id, "element_name": i.element_name,
                         "message": mask_text(i.message, names, audience), "created_at": as_aware(i.created_at)}
                        for i in incidents]
    return out


def events_out(instance_id: int, reader: Principal | None = None) -> list[dict]:
    instance = db.session.get_one(ProcessInstance, instance_id)
    audience = _audience(reader, instance.org_path)
    names = reporter_names(instance.variables)
    rows = events_of(instance_id)
    users = usernames([r.actor_id for r in rows])
    return [{"id": r.id, "kind": r.kind, "element_id": r.element_id, "task_id": r.task_id,
             "actor": users.get(r.actor_id), "at": as_aware(r.at),
             "comment": mask_text(r.comment, names, audience) if r.comment else r.comment,
             "data": mask_variables(audience, r.data) if isinstance(r.data, dict) else r.data} for r in rows]


def uploads_out(rows) -> list[dict]:
    return [{"id": r.id, "filename": r.filename, "size": r.size, "content_type": r.content_type} for r in rows]


def definition_detail_out(definition, details, versions) -> dict:
    return {"key": definition.key, "name": definition.name, "version": definition.version,
            "documentation": details.documentation, "org_unit_kinds": list(details.org_unit_kinds),
            "versions": [{"version": v.version, "deployed_at": as_aware(v.created_at)} for v in versions],
            "start_form": {"fields_": describe(details.start_form_key, list(details.start_form_fields))}}


def history_out(rows: list[dict]) -> list[dict]:
    users = usernames([r["actor_id"] for r in rows])
    return [{**{k: v for k, v in r.items() if k != "actor_id"}, "actor": users.get(r["actor_id"]),
             "at": as_aware(r["at"])} for r in rows]


def comments_out(rows: list[InstanceEvent]) -> list[dict]:
    users = usernames([r.actor_id for r in rows])
    return [{"id": r.id, "task_id": r.task_id, "instance_id": r.instance_id, "kind": r.kind,
             "user": users.get(r.actor_id), "at": as_aware(r.at), "message": r.comment} for r in rows]
