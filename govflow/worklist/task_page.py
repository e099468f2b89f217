"""Everything the task page shows, gathered in one place for a thin view."""
from __future__ import annotations

from sqlalchemy import select

from ..attachments.service import attachments_of
from ..definitions.models import ProcessDefinition
from ..extensions import db
from ..identity.access import Principal, can_work_task
from ..identity.models import User
from ..instances.models import InstanceEvent, ProcessInstance
from .action_models import TaskCopy
from .actions import pending_delegation, possible_receivers, returnable_steps
from .rules import comment_required
from .catalogue import info
from .models import HumanTask, TaskStatus
from ..forms.inputs import FormState, form_fields, initial_values

#: Audit events people care about on the page; engine bookkeeping is left out.
_SHOWN = {"instance_started", "task_claimed", "task_unclaimed", "task_completed", "task_transferred",
          "task_delegated", "task_resolved", "task_copied", "task_urged", "attachment_added",
          "instance_moved", "instance_completed", "instance_suspended", "instance_resumed",
          "instance_terminated", "incident", "incident_retried", "message_received", "task_created"}


def task_page(task: HumanTask, copy: TaskCopy | None, p: Principal, state: FormState | None = None) -> dict:
    instance = db.session.get(ProcessInstance, task.instance_id)
    definition = db.session.get(ProcessDefinition, instance.definition_id)
    steps = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)
                               .order_by(HumanTask.id)).all()
    is_open = task.status == TaskStatus.open.value
    delegation = pending_delegation(task) if is_open else None
    may_work = copy is None and is_open and can_work_task(p, task) and delegation is None
    fields = form_fields(task.form_key, task.form_fields)
    if state is None:
        state = FormState(fields, initial_values(fields, instance.variables or {}), {})
    return {
        "task": task, "instance": instance, "definition": definition, "copy": copy,
        "is_open": is_open, "may_work": may_work, "may_claim": may_work and task.assignee_id is None,
        "may_unclaim": may_work and task.assignee_id == p.user_id,
        "is_delegate": delegation is not None and delegation.delegate_id == p.user_id,
        "delegation": delegation, "form": state, "comment_required": comment_required(task),
        "receivers": possible_receivers(task, p) if copy is None else [],
        "return_steps": returnable_steps(task) if may_work else [],
        "may_urge": any(t.status == TaskStatus.open.value and not can_work_task(p, t) for t in steps),
        "history": history(instance.id, steps), "attachments": attachments_of(instance.id),
        "case_details": case_details(definition, instance, steps),
        "diagram": {"done": sorted({t.element_id for t in steps if t.status == TaskStatus.completed.value}),
                    "current": sorted({t.element_id for t in steps if t.status == TaskStatus.open.value})},
        "open_steps": [t for t in steps if t.status == TaskStatus.open.value],
    }


def history(instance_id: int, steps: list[HumanTask]) -> list[dict]:
    """The instance's audit trail as people read it: when, who, what, at which step, why."""
    names = {t.id: t.name for t in steps}
    element_names = {t.element_id: t.name for t in steps}
    rows = db.session.scalars(select(InstanceEvent).where(InstanceEvent.instance_id == instance_id,
                                                          InstanceEvent.kind.in_(_SHOWN))
                              .order_by(InstanceEvent.id)).all()
    people = _display_names({u for e in rows for u in _usernames(e)})
    out = []
    for e in rows:
        data = e.data or {}
        step = names.get(e.task_id) or element_names.get(e.element_id or "", e.element_id or "")
        detail = ", ".join(people.get(u, u) for u in _usernames(e))
        if e.kind == "instance_moved":  # 退回: from the steps open then, to the chosen one
            step = ", ".join(element_names.get(x, x) for x in data.get("open_before") or [])
            detail = element_names.get(data.get("to"), data.get("to") or "")
        elif e.kind == "attachment_added":
            detail = data.get("filename", "")
        out.append({"at": e.at, "actor_id": e.actor_id, "kind": e.kind, "step": step,
                    "detail": detail, "comment": e.comment, "upload": data.get("upload")})
    return out


def _usernames(event) -> list[str]:
    data = event.data or {}
    if event.kind == "task_transferred":
        return [data.get("to", "")]
    if event.kind == "task_delegated":
        return [data.get("delegate", "")]
    if event.kind == "task_copied":
        return list(data.get("to") or [])
    return []


def _display_names(usernames: set[str]) -> dict[str, str]:
    if not usernames:
        return {}
    return {u.username: u.display_name or u.username
            for u in db.session.scalars(select(User).where(User.username.in_(usernames)))}


def case_details(definition: ProcessDefinition, instance: ProcessInstance, steps: list[HumanTask]) -> list[dict]:
    """The case's data that some form of it labels (start form, then the steps' forms)."""
    details = info(definition)
    labelled: dict[str, dict] = {}
    sources = [(details.start_form_key, list(details.start_form_fields))] + \
        [(t.form_key, t.form_fields or []) for t in steps if t.status == TaskStatus.completed.value]
    for form_key, fields in sources:
        for f in form_fields(form_key, fields):
            labelled.setdefault(f["id"], f)
    variables = instance.variables or {}
    out = []
    for name, f in labelled.items():
        if name in variables and variables[name] not in (None, "", []):
            options = {o["id"]: o["name"] for o in f["options"]}
            value = variables[name]
            if isinstance(value, list) and f["widget"] != "file":
                value = ", ".join(options.get(str(v), str(v)) for v in value)
            elif isinstance(value, str):
                value = options.get(value, value)
            out.append({"label": f["label"], "widget": f["widget"], "value": value})
    return out
