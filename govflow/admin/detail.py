"""What the admin instance page shows, gathered in one place for a thin view."""
from __future__ import annotations

import json
import re
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..definitions.models import DeploymentFile, ProcessDefinition
from ..errors import NotFound
from ..extensions import db
from ..forms.inputs import form_fields
from ..identity.models import OrgUnit, User
from ..instances.models import Incident, InstanceEvent, ProcessInstance
from ..web.names import readable
from ..worklist.catalogue import info
from ..worklist.models import HumanTask, TaskStatus
from .drilldown import ProcessSource, called_source, find_call, loop_rounds, process_source, source_xml


def _instance(instance_id: int) -> ProcessInstance:
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"process instance {instance_id} does not exist")
    return instance


def instance_definition(instance_id: int) -> ProcessDefinition:
    return db.session.get_one(ProcessDefinition, _instance(instance_id).definition_id)


def _rows(instance_id: int) -> tuple[Sequence, Sequence, Sequence]:
    """The instance's task rows, audit trail and open incidents, oldest first."""
    steps = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)
                               .order_by(HumanTask.id)).all()
    events = db.session.scalars(select(InstanceEvent).where(InstanceEvent.instance_id == instance_id)
                                .order_by(InstanceEvent.id)).all()
    incidents = db.session.scalars(select(Incident).where(Incident.instance_id == instance_id,
                                                          Incident.resolved_at.is_(None))
                                   .order_by(Incident.id)).all()
    return steps, events, incidents


def instance_page(instance_id: int) -> dict:
    """Raises NotFound for an unknown instance."""
    instance = _instance(instance_id)
    definition = db.session.get_one(ProcessDefinition, instance.definition_id)
    steps, events, incidents = _rows(instance.id)
    user_ids = {u for u in {e.actor_id for e in events} | {t.assignee_id for t in steps} if u}
    users = dict(db.session.execute(select(User.id, User.display_name)
                                    .where(User.id.in_(user_ids))).all()) if user_ids else {}
    open_steps = [t for t in steps if t.status == TaskStatus.open.value]
    done = [t for t in steps if t.status == TaskStatus.completed.value]
    current_ids = {t.element_id for t in open_steps}
    source = process_source(definition)
    vocabulary = Vocabulary(definition, source, steps)
    return {
        "instance": instance,
        "definition": definition,
        "org_unit": db.session.get(OrgUnit, instance.org_unit_id),
        "open_steps": open_steps, "events": events, "incidents": incidents, "users": users,
        "diagram": markers(definition, source, steps, events, incidents),
        "calls": source.calls if source else (), "step_names": {t.element_id: t.name for t in steps},
        #: Earlier steps people completed, for 退回 (move_to_step): (element id, name).
        "earlier_steps": list(dict.fromkeys((t.element_id, t.name) for t in done
                                            if t.element_id not in current_ids)),
        "variables": sorted((instance.variables or {}).items()),
        #: (name, the value as a person reads it, the stored value as JSON for the title).
        "variable_rows": variable_rows(vocabulary, instance.variables or {}),
        #: The audit entries' data in words (vocabulary.sentence, called by the page).
        "vocabulary": vocabulary,
        #: Deployed versions this instance could be migrated to.
        "newer_versions": list(db.session.scalars(select(ProcessDefinition.version).where(
            ProcessDefinition.key == instance.process_key, ProcessDefinition.version > instance.version)
            .order_by(ProcessDefinition.version))),
    }


class Vocabulary:
    """How one instance's data reads: a variable's label (from a form or a decision
    table, else its name) and its codes in words (a form's option label, a step's name);
    ``readable`` (web/names.py) then does org units, roles, yes/no and lists."""

    def __init__(self, definition, source: ProcessSource | None, steps):
        details = info(definition)
        self.words: dict[str, dict[str, str]] = {}
        # Lazy texts: worded when a page renders them, in its language.
        self.labels: dict[str, object] = {**EVENT_KEYS, **decision_labels()}
        for form_key, fields in [(details.start_form_key, list(details.start_form_fields))] + \
                [(t.form_key, t.form_fields or []) for t in steps]:
            for f in form_fields(form_key, fields):
                self.words.setdefault(f["id"], {str(o["id"]): o["name"] for o in f.get("options") or []})
                if f.get("label") and f["label"] != f["id"]:
                    self.labels[f["id"]] = f["label"]
        self.step_names = dict(source.element_names) if source else {}
        self.step_names.update({t.element_id: t.name for t in steps})

    def label(self, name: str):
        return self.labels.get(name, name)

    def word(self, name: str, value):
        if isinstance(value, str):
            return self.words.get(name, {}).get(value) or self.step_names.get(value) or value
        if isinstance(value, list):
            return [self.word(name, v) for v in value]
        if isinstance(value, dict):  # e.g. department_results: each entry's own fields
            return {self.label(k): self.word(k, v) for k, v in value.items()}
        return value

    def sentence(self, data) -> str:
        """An audit entry's data in words: label：value；…, a completion's variables inline."""
        if not isinstance(data, dict):
            return readable(self.word("", data))
        parts = []
        for key, value in data.items():
            if key == "variables" and isinstance(value, dict):
                parts.append(self.sentence(value))
            elif isinstance(value, dict):
                parts.append(f"{self.label(key)}：（{self.sentence(value)}）")
            else:
                parts.append(f"{self.label(key)}：{readable(self.word(key, value))}")
        return "；".join(p for p in parts if p)


#: Keys of audit entries' data (instances/runtime.record callers), as people read them.
EVENT_KEYS = {"name": _l("Step"), "candidate_groups": _l("Roles"), "cancelled": _l("Steps withdrawn"),
              "from": _l("From"), "to": _l("To"), "signer": _l("Co-signer"), "position": _l("Position"),
              "owner": _l("Owner"), "delegate": _l("Delegate"), "message": _l("Message"), "scope": _l("Scope")}


def variable_rows(vocabulary: Vocabulary, variables: dict) -> list[tuple]:
    """Each variable as (name, label, value in words, stored JSON)."""
    return [(name, vocabulary.label(name), vocabulary.word(name, value),
             json.dumps(value, ensure_ascii=False, default=str)) for name, value in sorted(variables.items())]


_dmn_labels: dict[str, dict[str, str]] = {}


def decision_labels() -> dict[str, str]:
    """{variable: label} of every deployed decision table's inputs and outputs (a DMN
    output names the variable it sets, e.g. 部门签收时限); parsed once per file."""
    out: dict[str, str] = {}
    for checksum in db.session.scalars(select(DeploymentFile.checksum).where(DeploymentFile.kind == "dmn").distinct()):
        if checksum not in _dmn_labels:
            text = db.session.scalars(select(DeploymentFile.content).where(DeploymentFile.checksum == checksum)
                                      .limit(1)).one()
            _dmn_labels[checksum] = {name: label for label, name in re.findall(
                r'<(?:\w+:)?output\b(?=[^>]*\blabel="([^"]+)")(?=[^>]*\bname="([^"]+)")', text)}
        out.update(_dmn_labels[checksum])
    return out


def markers(definition, source: ProcessSource | None, steps, events, incidents) -> dict:
    """What the diagram of ``source`` marks: done, current and failed elements, rounds of
    the elements that ran more than once, and its call activities (marked after the
    steps inside the process they call). Element ids are matched within ``source``
    only, so a called process's steps do not light up the caller's diagram."""
    done = {t.element_id for t in steps if t.status == TaskStatus.completed.value}
    current = {t.element_id for t in steps if t.status == TaskStatus.open.value}
    failed = {i.element_id for i in incidents}
    rounds = loop_rounds(events)
    if source is None:
        return {"done": [], "current": [], "failed": [], "counts": {}, "calls": []}
    for call in source.calls:
        try:
            inner = called_source(definition, call).element_ids
        except NotFound:
            continue
        for marked in (failed, current, done):
            if marked & inner:
                marked.add(call.element_id)
                break
    ids = source.element_ids
    return {"failed": sorted(failed & ids), "current": sorted((current & ids) - failed),
            "done": sorted((done & ids) - current - failed),
            "counts": {e: n for e, n in rounds.items() if e in ids},
            "calls": [c.element_id for c in source.calls]}


def called_page(instance_id: int, element_id: str) -> dict:
    """The process the call activity ``element_id`` calls, marked with this instance's
    steps inside it. Raises NotFound for an unknown instance or call activity."""
    instance = _instance(instance_id)
    definition = db.session.get_one(ProcessDefinition, instance.definition_id)
    call, source = find_call(definition, element_id)
    steps, events, incidents = _rows(instance.id)
    inside = [t for t in steps if t.element_id in source.element_ids]
    user_ids = {t.assignee_id for t in inside if t.assignee_id}
    return {
        "instance": instance, "definition": definition, "call": call, "source": source,
        "diagram": markers(definition, source, steps, events, incidents),
        "steps": inside, "calls": source.calls, "step_names": {t.element_id: t.name for t in inside},
        "users": dict(db.session.execute(select(User.id, User.display_name)
                                         .where(User.id.in_(user_ids))).all()) if user_ids else {},
    }


def called_xml(instance_id: int, element_id: str) -> str:
    """The BPMN XML of the file holding the process ``element_id`` calls."""
    _call, source = find_call(instance_definition(instance_id), element_id)
    return source_xml(source)
