"""Everything the task page shows, gathered in one place for a thin view."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from ..attachments.service import attachments_of
from ..definitions.models import ProcessDefinition
from ..extensions import db
from ..forms.inputs import FormState, form_fields, initial_values
from ..forms.pickers import for_case
from ..identity.access import Principal, can_work_task
from ..instances.models import ProcessInstance
from .action_models import TaskCopy
from .actions import pending_delegation, possible_receivers, returnable_steps
from .catalogue import info
from .cosign import cosigns_of, signing_now
from .history import history, last_entered_values
from .models import HumanTask, TaskStatus
from .rules import comment_required
from .withdraw import withdraw_refusal


def task_page(task: HumanTask, copy: TaskCopy | None, p: Principal, state: FormState | None = None) -> dict:
    instance = db.session.get_one(ProcessInstance, task.instance_id)
    definition = db.session.get_one(ProcessDefinition, instance.definition_id)
    steps = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)
                               .order_by(HumanTask.id)).all()
    is_open = task.status == TaskStatus.open.value
    delegation = pending_delegation(task) if is_open else None
    signing = signing_now(task) if is_open else None
    may_work = copy is None and is_open and can_work_task(p, task) and delegation is None and signing is None
    with for_case(instance.org_unit_id, instance.variables):
        fields = form_fields(task.form_key, task.form_fields)
    if state is None:
        # A step done again (退回, 撤回) starts from what was entered last time.
        earlier = {**(instance.variables or {}), **last_entered_values(instance.id, task.element_id)}
        state = FormState(fields, initial_values(fields, earlier), {})
    else:  # sent back with errors: the same values, the pickers of this case
        state = FormState(fields, state.values, state.errors)
    return {
        "task": task, "instance": instance, "definition": definition, "copy": copy,
        "is_open": is_open, "may_work": may_work, "may_claim": may_work and task.assignee_id is None,
        "may_unclaim": may_work and task.assignee_id == p.user_id,
        "is_delegate": delegation is not None and delegation.delegate_id == p.user_id,
        "delegation": delegation, "form": state,
        "signing": signing, "is_signer": signing is not None and signing.signer_id == p.user_id,
        "cosigns": cosigns_of(task),
        "may_withdraw": copy is None and not is_open and task.completed_by_id == p.user_id
        and withdraw_refusal(task, p) is None, "comment_required": comment_required(task),
        "receivers": possible_receivers(task, p) if copy is None else [],
        "return_steps": returnable_steps(task) if may_work else [],
        "may_urge": any(t.status == TaskStatus.open.value and not can_work_task(p, t) for t in steps),
        "history": history(instance.id, steps), "attachments": attachments_of(instance.id),
        "case_details": case_details(definition, instance.variables, steps),
        "diagram": {"done": sorted({t.element_id for t in steps if t.status == TaskStatus.completed.value}),
                    "current": sorted({t.element_id for t in steps if t.status == TaskStatus.open.value})},
        "open_steps": [t for t in steps if t.status == TaskStatus.open.value],
    }


def case_details(definition: ProcessDefinition, variables: dict | None, steps: Sequence[HumanTask]) -> list[dict]:
    """The case's data that some form of it labels (start form, then the steps' forms)."""
    details = info(definition)
    labelled: dict[str, dict] = {}
    sources = [(details.start_form_key, list(details.start_form_fields))] + \
        [(t.form_key, t.form_fields or []) for t in steps if t.status == TaskStatus.completed.value]
    for form_key, fields in sources:
        for f in form_fields(form_key, fields):
            labelled.setdefault(f["id"], f)
    variables = variables or {}
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
