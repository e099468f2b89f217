"""What a deployed definition tells the staff pages: who may start it, its start
form, properties of its user tasks, and its BPMN XML for the diagram.

Read from the stored BPMN file (with a parser that resolves no entities and
fetches nothing), cached per definition version.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from lxml import etree
from sqlalchemy import select

from ..definitions.models import DeploymentFile, ProcessDefinition
from ..definitions.service import latest_definition, list_latest_definitions
from ..engine.parser import form_key_of
from ..errors import NotFound
from ..extensions import db
from ..forms.camunda.references import is_camunda_form, pin
from ..identity.access import Principal

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
_B, _C = "{%s}" % BPMN_NS, "{%s}" % CAMUNDA_NS


@dataclass(frozen=True)
class DefinitionInfo:
    starter_groups: tuple[str, ...] = ()
    starter_users: tuple[str, ...] = ()
    start_form_key: str | None = None
    #: camunda:formData of the start event, shaped like HumanTask.form_fields.
    start_form_fields: tuple = ()
    #: element id → {camunda:property name: value}
    properties: dict = field(default_factory=dict)
    documentation: str | None = None
    #: Kinds of org unit an instance may belong to (process property ``org_unit_kinds``,
    #: comma-separated; empty: any). A committee is formed in a community, not a grid.
    org_unit_kinds: tuple[str, ...] = ()


def process_xml(definition: ProcessDefinition) -> str:
    return db.session.get_one(DeploymentFile, definition.file_id).content


def info(definition: ProcessDefinition) -> DefinitionInfo:
    key = (definition.id, definition.checksum)
    details = _parsed.get(key)
    if details is None:  # a deployed version never changes: its XML is read once per process
        details = _parsed[key] = _parse(definition.id, definition.checksum, definition.key, process_xml(definition))
        while len(_parsed) > 256:
            _parsed.pop(next(iter(_parsed)))
    if not is_camunda_form(details.start_form_key):
        return details
    # Pinned per call, not cached: "latest" moves when a new form version is deployed.
    return replace(details, start_form_key=pin(details.start_form_key, definition.deployment_id))


_parsed: dict[tuple[int, str], DefinitionInfo] = {}


def _parse(_definition_id: int, _checksum: str, key: str, text: str) -> DefinitionInfo:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    root = etree.fromstring(text.encode("utf-8"), parser)
    process = next((p for p in root.iter(_B + "process") if p.get("id") == key), None)
    if process is None:
        return DefinitionInfo()
    start = next((s for s in process.findall(_B + "startEvent") if not _has_event_definition(s)), None)
    properties = {}
    for el in process.iter():
        props = {p.get("name"): p.get("value")
                 for p in el.findall(f"{_B}extensionElements/{_C}properties/{_C}property")}
        if props and el.get("id"):
            properties[el.get("id")] = props
    doc = process.find(_B + "documentation")
    return DefinitionInfo(
        starter_groups=tuple(_split(process.get(_C + "candidateStarterGroups"))),
        starter_users=tuple(_split(process.get(_C + "candidateStarterUsers"))),
        start_form_key=form_key_of(start) if start is not None else None,
        start_form_fields=tuple(_form_data(start)) if start is not None else (),
        properties=properties, documentation=(doc.text or "").strip() if doc is not None else None,
        org_unit_kinds=tuple(_split(properties.get(key, {}).get("org_unit_kinds"))))


def _has_event_definition(event) -> bool:
    return any(child.tag.endswith("EventDefinition") for child in event)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _form_data(start) -> list[dict]:
    out = []
    for f in start.findall(f"{_B}extensionElements/{_C}formData/{_C}formField"):
        out.append({
            "id": f.get("id"), "type": f.get("type") or "string", "label": f.get("label") or f.get("id"),
            "default": f.get("defaultValue") or None,
            "options": [{"id": v.get("id"), "name": v.get("name") or v.get("id")} for v in f.findall(_C + "value")],
            "validation": {c.get("name"): c.get("config") for c in f.findall(f"{_C}validation/{_C}constraint")},
            "properties": {p.get("id"): p.get("value") for p in f.findall(f"{_C}properties/{_C}property")},
        })
    return out


def element_property(definition: ProcessDefinition, element_id: str, name: str) -> str | None:
    return info(definition).properties.get(element_id, {}).get(name)


def may_start(p: Principal, definition_info: DefinitionInfo) -> bool:
    """camunda:candidateStarterGroups/Users when the diagram names them; else any staff member."""
    if p.is_admin:
        return True
    if definition_info.starter_groups or definition_info.starter_users:
        return p.username in definition_info.starter_users or \
            any(p.has_role(role) for role in definition_info.starter_groups)
    return bool(p.grants)


def startable_definitions(p: Principal) -> list[tuple[ProcessDefinition, DefinitionInfo]]:
    """The latest version of every process ``p`` may start, in key order."""
    out = []
    for definition in list_latest_definitions():
        details = info(definition)
        if may_start(p, details):
            out.append((definition, details))
    return out


def startable_definition(p: Principal, key: str, version_id: int | None = None
                         ) -> tuple[ProcessDefinition, DefinitionInfo]:
    """The latest ``key``, or its version of row id ``version_id``. Raises NotFound
    for an unknown process or version, or one ``p`` may not start."""
    if version_id is None:
        definition = latest_definition(key)
    else:
        found = db.session.get(ProcessDefinition, version_id)
        if found is None or found.key != key:
            raise NotFound(f"process '{key}' has no version {version_id}")
        definition = found
    details = info(definition)
    if not may_start(p, details):
        raise NotFound(f"process '{key}' is not deployed")
    return definition, details


def readable_definition(p: Principal, key: str, version_id: int | None = None
                        ) -> tuple[ProcessDefinition, DefinitionInfo, list[ProcessDefinition]]:
    """The latest ``key`` (or its version ``version_id``) that ``p`` may start, what it
    tells, and all its versions (newest first). Raises NotFound for an unknown process
    or one ``p`` may not start."""
    definition, details = startable_definition(p, key, version_id)
    versions = db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == definition.key)
                                  .order_by(ProcessDefinition.version.desc()))
    return definition, details, list(versions)
