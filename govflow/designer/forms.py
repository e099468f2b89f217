"""Camunda Forms in the designer: the catalogue of form versions, drafts edited in
form-js, validation and deployment — the same checks as any deployment.

A form's draft is a ``ProcessDraft`` keyed by its file name (as DMN drafts are),
so saving never touches the deployed versions.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select

from ..definitions.models import Deployment, FormDefinition
from ..definitions.service import DeployResult
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..forms.camunda.schema import MAX_FORM_ID
from ..identity.models import User
from .models import ProcessDraft
from .service import deploy_files, discard_draft, store_draft


@dataclass
class FormEntry:
    key: str
    filename: str
    #: (FormDefinition, deployed at, deployed by, source), newest first
    versions: list[tuple] = field(default_factory=list)
    has_draft: bool = False


def form_catalogue() -> list[FormEntry]:
    rows = db.session.execute(
        select(FormDefinition, Deployment.created_at, User.username, Deployment.source)
        .join(Deployment, FormDefinition.deployment_id == Deployment.id)
        .outerjoin(User, Deployment.deployed_by_id == User.id)
        .order_by(FormDefinition.key, FormDefinition.version.desc())).all()
    drafts = set(db.session.scalars(select(ProcessDraft.key).where(ProcessDraft.filename.like("%.form"))))
    entries: dict[str, FormEntry] = {}
    for definition, at, username, source in rows:
        entry = entries.setdefault(definition.key, FormEntry(definition.key, definition.file.filename))
        entry.has_draft = entry.has_draft or _draft_key(definition.key) in drafts
        entry.versions.append((definition, at, username, source))
    return list(entries.values())


def form_version(form_id: str, version: int | None = None) -> FormDefinition:
    query = select(FormDefinition).where(FormDefinition.key == form_id)
    if version is not None:
        query = query.where(FormDefinition.version == version)
    found = db.session.scalar(query.order_by(FormDefinition.version.desc()).limit(1))
    if found is None:
        raise NotFound(f"form '{form_id}' is not deployed", {"form": [f"unknown form '{form_id}'"]})
    return found


def form_copy(form_id: str) -> tuple[str, ProcessDraft | None]:
    """(JSON, draft): the draft if any, else the latest deployed version; raises NotFound."""
    draft = _draft(form_id)
    if draft is not None:
        return draft.content, draft
    return form_version(form_id).file.content, None


def new_form(form_id: str, actor_id: int) -> ProcessDraft:
    """A draft of an empty form; raises Conflict if the id is taken."""
    if not form_id.isidentifier() or len(form_id) > MAX_FORM_ID:
        raise ValidationFailed("invalid form id", {"key": ["letters, digits and _, not starting with a digit"]})
    if _draft(form_id) is not None or db.session.scalar(select(FormDefinition.id).where(FormDefinition.key == form_id)):
        raise Conflict(f"form '{form_id}' exists", {"key": [f"'{form_id}' is already used"]})
    blank = json.dumps({"type": "default", "id": form_id, "schemaVersion": 16,
                        "exporter": {"name": "GovFlow", "version": "1"}, "components": []}, indent=2)
    return store_draft(_draft_key(form_id), _draft_key(form_id), None, blank, actor_id)[0]


def save_form_draft(form_id: str, text: str, actor_id: int) -> tuple[ProcessDraft, list[dict]]:
    _own_form(form_id, text)
    latest = db.session.scalar(select(FormDefinition).where(FormDefinition.key == form_id)
                               .order_by(FormDefinition.version.desc()).limit(1))
    return store_draft(_draft_key(form_id), _filename(form_id), latest.version if latest else None, text, actor_id)


def deploy_form(form_id: str, text: str, actor_id: int) -> tuple[DeployResult | None, list[dict]]:
    result, problems = deploy_files({_filename(form_id): _own_form(form_id, text)}, actor_id, "designer")
    if result is not None:
        discard_draft(_draft_key(form_id))
    return result, problems


def _own_form(form_id: str, text: str) -> bytes:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ValidationFailed("not JSON", {"xml": [f"the form is not JSON: {exc}"]}) from exc
    if not isinstance(doc, dict) or doc.get("id") != form_id:
        raise ValidationFailed(f"the form is not '{form_id}'", {"xml": [f'the form\'s "id" must be "{form_id}"']})
    return text.encode("utf-8")


def _filename(form_id: str) -> str:
    """A form deployed again keeps its file name: camunda-forms:deployment: keys name files."""
    latest = db.session.scalar(select(FormDefinition).where(FormDefinition.key == form_id)
                               .order_by(FormDefinition.version.desc()).limit(1))
    return latest.file.filename if latest is not None else f"{form_id}.form"


def _draft_key(form_id: str) -> str:
    return f"{form_id}.form"


def _draft(form_id: str) -> ProcessDraft | None:
    return db.session.scalar(select(ProcessDraft).where(ProcessDraft.key == _draft_key(form_id)))
