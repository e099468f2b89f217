"""What the platform offers a diagram: roles, form keys, handlers (the modeler's
pickers), a user task's form as staff see it, and trial instances."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree
from sqlalchemy import select

from ..definitions.models import FormDefinition
from ..engine.parser import form_key_of
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..forms import form_keys
from ..identity.access import Principal
from ..identity.models import ROLE_CODES, OrgUnit
from ..instances.models import ProcessInstance
from ..tasks import handler_names
from ..worklist.catalogue import _form_data
from ..worklist.models import HumanTask, TaskStatus

_B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_C = "{http://camunda.org/schema/1.0/bpmn}"


def pickers() -> dict[str, list[str]]:
    """The values the properties panel suggests; the server validates free text anyway."""
    return {"roles": list(ROLE_CODES), "form_keys": sorted(form_keys()),
            # Deployed Camunda Forms, for camunda:formRef (a formKey may name them too).
            "form_refs": sorted(db.session.scalars(select(FormDefinition.key).distinct())),
            "handlers": sorted(handler_names()),
            "handler_expressions": [f"${{{name}}}" for name in sorted(handler_names())]}


def task_form(xml: str, element_id: str) -> tuple[str | None, list[dict]]:
    """(formKey, camunda:formData fields) of a user task or start event in ``xml``."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(xml.encode("utf-8"), parser)
    element = next((el for el in root.iter(_B + "userTask", _B + "startEvent")
                    if el.get("id") == element_id), None)
    if element is None:
        raise NotFound(f"no user task '{element_id}'", {"element_id": [f"no user task '{element_id}'"]})
    return form_key_of(element), _form_data(element)


def start_trial(p: Principal, definition, org_unit_code: str, variables: dict):
    """Start ``definition`` (any version of a process) as a trial: business key
    TRIAL-<key>-<time>, marked ``is_trial`` so that worklists, figures and ledgers leave it out. Raises
    ValidationFailed (start form, org unit)."""
    key = definition.key
    from ..instances.service import start_instance
    if not org_unit_code or db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == org_unit_code)) is None:
        raise ValidationFailed("unknown org unit", {"org_unit": ["choose the org unit of the trial"]})
    stamp = datetime.now().strftime("%Y%m%d%H%M%S")
    return start_instance(key, org_unit_code, variables, business_key=f"TRIAL-{key[:60]}-{stamp}",
                          actor_id=p.user_id, title=f"试运行 {key} v{definition.version}", definition=definition,
                          trial=True)


@dataclass(frozen=True)
class TrialRun:
    instance: ProcessInstance
    #: Open steps, each offered to the trial's starter only.
    open_tasks: list[HumanTask]


def trial_runs(key: str, limit: int = 50) -> list[TrialRun]:
    """The newest trial runs of ``key``: where a designer follows them, since staff
    lists, figures and searches leave them out (instances/trials.py)."""
    runs = list(db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_key == key, ProcessInstance.is_trial.is_(True))
        .order_by(ProcessInstance.id.desc()).limit(limit)))
    tasks: dict[int, list[HumanTask]] = {}
    if runs:
        for task in db.session.scalars(select(HumanTask).where(
                HumanTask.instance_id.in_([r.id for r in runs]), HumanTask.status == TaskStatus.open.value)
                .order_by(HumanTask.id)):
            tasks.setdefault(task.instance_id, []).append(task)
    return [TrialRun(r, tasks.get(r.id, [])) for r in runs]
