"""What the designer pages do: the catalogue, drafts, validation and deployment.

Validation runs exactly the checks of :func:`definitions.service.deploy`
(strict: the platform's roles, form keys and handlers) without storing
anything; deploying refuses on any error and leaves the draft in place.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from ..definitions.models import Deployment, DeploymentFile, ProcessDefinition
from ..definitions.service import DeployResult, check_deployment, deploy, latest_definition
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..identity.models import User
from ..instances.models import ProcessInstance
from .models import ProcessDraft

_PROCESS_ID = re.compile(rb'<(?:\w+:)?process\b[^>]*\bid="([^"]+)"')


@dataclass
class VersionRow:
    definition: ProcessDefinition
    deployed_at: datetime
    deployed_by: str | None
    source: str
    instances: int


@dataclass
class CatalogueEntry:
    key: str
    name: str
    category: str
    versions: list[VersionRow] = field(default_factory=list)
    has_draft: bool = False


def catalogue() -> dict[str, list[CatalogueEntry]]:
    """Every deployed process, newest version first, grouped by category."""
    counts = dict(db.session.execute(select(ProcessInstance.definition_id, func.count())
                                     .group_by(ProcessInstance.definition_id)).all())
    rows = db.session.execute(
        select(ProcessDefinition, Deployment.created_at, Deployment.source, User.username)
        .join(Deployment, ProcessDefinition.deployment_id == Deployment.id)
        .outerjoin(User, Deployment.deployed_by_id == User.id)
        .order_by(ProcessDefinition.key, ProcessDefinition.version.desc())).all()
    drafts = set(db.session.scalars(select(ProcessDraft.key)))
    entries: dict[str, CatalogueEntry] = {}
    for definition, at, source, username in rows:
        entry = entries.setdefault(definition.key, CatalogueEntry(
            definition.key, definition.name, _category_label(definition.category),
            has_draft=definition.key in drafts))
        entry.versions.append(VersionRow(definition, at, username, source, counts.get(definition.id, 0)))
    grouped: dict[str, list[CatalogueEntry]] = {}
    for entry in entries.values():
        grouped.setdefault(entry.category, []).append(entry)
    return dict(sorted(grouped.items()))


def definition_version(key: str, version: int | None = None) -> ProcessDefinition:
    """The given (or latest) version of ``key``; raises NotFound."""
    if version is None:
        return latest_definition(key)
    found = db.session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key,
                                                              ProcessDefinition.version == version))
    if found is None:
        raise NotFound(f"process '{key}' has no version {version}", {"version": [f"no version {version}"]})
    return found


def version_file(definition: ProcessDefinition) -> DeploymentFile:
    return db.session.get_one(DeploymentFile, definition.file_id)


def working_copy(key: str) -> tuple[str, str, ProcessDraft | None]:
    """(filename, XML, draft) the modeler opens: the draft if any, else the latest version."""
    draft = db.session.scalar(select(ProcessDraft).where(ProcessDraft.key == key))
    if draft is not None:
        return draft.filename, draft.content, draft
    stored = version_file(latest_definition(key))
    return stored.filename, stored.content, None


#: Problems that make a file unsafe or unreadable: such a draft is not stored at all.
_UNSTORABLE = {"too-large", "doctype-forbidden", "too-deep", "too-many-elements", "malformed-xml", "wrong-root"}


def save_draft(key: str, xml: str, actor_id: int) -> tuple[ProcessDraft, list[dict]]:
    """Store work in progress, whatever its lint problems (returned); raises ValidationFailed
    if the XML is not this process or is unsafe (DOCTYPE, size) or not XML at all."""
    _own_process(key, xml)
    latest = latest_definition(key, required=False)
    filename = version_file(latest).filename if latest else f"{key}.bpmn"
    return store_draft(key, filename, latest.version if latest else None, xml, actor_id)


def store_draft(key: str, filename: str, base_version: int | None, xml: str,
                 actor_id: int) -> tuple[ProcessDraft, list[dict]]:
    problems = validate({filename: _checked_text(xml)})
    unsafe = [p for p in problems if p["code"] in _UNSTORABLE]
    if unsafe:
        raise ValidationFailed("the diagram cannot be stored", {"xml": [f"{p['code']}: {p['message']}" for p in unsafe]})
    draft = db.session.scalar(select(ProcessDraft).where(ProcessDraft.key == key))
    if draft is None:
        draft = ProcessDraft(key=key, filename=filename, base_version=base_version)
        db.session.add(draft)
    draft.content, draft.updated_by_id = xml, actor_id
    db.session.flush()
    return draft, problems


def decision_files() -> list[DeploymentFile]:
    """The newest deployed content of each DMN file: what business rule tasks use."""
    newest = select(func.max(DeploymentFile.id)).group_by(DeploymentFile.filename)
    return list(db.session.scalars(select(DeploymentFile).where(DeploymentFile.id.in_(newest),
                                                                DeploymentFile.kind == "dmn")
                                   .order_by(DeploymentFile.filename)))


def decision_copy(filename: str) -> tuple[str, ProcessDraft | None]:
    """(XML, draft) of a DMN file: its draft if any, else its newest deployed content."""
    draft = db.session.scalar(select(ProcessDraft).where(ProcessDraft.key == filename))
    if draft is not None:
        return draft.content, draft
    stored = next((f for f in decision_files() if f.filename == filename), None)
    if stored is None:
        raise NotFound(f"no decision file '{filename}'", {"filename": [f"unknown file '{filename}'"]})
    return stored.content, None


def save_decision_draft(filename: str, xml: str, actor_id: int) -> tuple[ProcessDraft, list[dict]]:
    decision_copy(filename)
    return store_draft(filename, filename, None, xml, actor_id)


def deploy_decision(filename: str, xml: str, actor_id: int) -> tuple[DeployResult | None, list[dict]]:
    """Deploy a DMN file; processes that use it get a new version when next deployed."""
    decision_copy(filename)
    result, problems = deploy_files({filename: _checked_text(xml)}, actor_id, "designer")
    if result is not None:
        discard_draft(filename)
    return result, problems


def new_process(key: str, name: str, category: str, actor_id: int) -> ProcessDraft:
    """A draft of a new process from the blank diagram; raises Conflict if the key is taken."""
    from .blank import blank_process
    xml = blank_process(key, name, category)
    if _known(key):
        raise Conflict(f"process '{key}' exists", {"key": [f"'{key}' is already used"]})
    return store_draft(key, f"{key}.bpmn", None, xml, actor_id)[0]


def drafts_of_new_processes() -> list[ProcessDraft]:
    deployed = select(ProcessDefinition.key)
    return list(db.session.scalars(select(ProcessDraft).where(ProcessDraft.key.not_in(deployed),
                                                              ProcessDraft.filename.not_like("%.dmn"),
                                                              ProcessDraft.filename.not_like("%.form"))
                                   .order_by(ProcessDraft.key)))


def discard_draft(key: str) -> None:
    draft = db.session.scalar(select(ProcessDraft).where(ProcessDraft.key == key))
    if draft is not None:
        db.session.delete(draft)
        db.session.flush()


def validate(files: dict[str, bytes]) -> list[dict]:
    """Errors first, then warnings; each with code, message, file, element_id, line."""
    problems = check_deployment(files, strict=True)
    return sorted(problems, key=lambda p: (p["severity"] != "error", p.get("line") or 0))


def deploy_files(files: dict[str, bytes], actor_id: int, source: str) -> tuple[DeployResult | None, list[dict]]:
    """Deploy when the files have no errors: (result, problems); (None, problems) otherwise.

    Nothing is stored when an error is found. Drafts of the deployed processes are removed.
    """
    problems = validate(files)
    if any(p["severity"] == "error" for p in problems):
        return None, problems
    result = deploy(files, actor_id, source)
    for key in result.process_keys:
        discard_draft(key)
    return result, problems


def deploy_draft(key: str, xml: str, actor_id: int) -> tuple[DeployResult | None, list[dict]]:
    """Deploy the modeler's ``xml`` as a new version of ``key`` if it is clean.

    The caller saves the draft first (a separate request), so a refusal loses nothing.
    """
    data = _own_process(key, xml)
    filename, _xml, _draft = working_copy(key) if _known(key) else (f"{key}.bpmn", None, None)
    return deploy_files({filename: data}, actor_id, "designer")


def _known(key: str) -> bool:
    return latest_definition(key, required=False) is not None or \
        db.session.scalar(select(ProcessDraft.id).where(ProcessDraft.key == key)) is not None


def _own_process(key: str, xml: str) -> bytes:
    data = _checked_text(xml)
    if key.encode() not in _PROCESS_ID.findall(data):
        raise ValidationFailed(f"the diagram does not define process '{key}'",
                               {"xml": [f'no <process id="{key}"> in the diagram']})
    return data


def _checked_text(xml: str) -> bytes:
    if not xml or not xml.strip():
        raise ValidationFailed("empty diagram", {"xml": ["the diagram is empty"]})
    return xml.encode("utf-8")


def _category_label(category: str | None) -> str:
    """The target namespace is where Camunda Modeler keeps a category: its last path part."""
    if not category:
        return "—"
    return category.rstrip("/").rsplit("/", 1)[-1] or category
