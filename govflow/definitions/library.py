"""What a deployment may call: the latest stored version of every key, and the pinned
versions its call activities name.

Versions belong to keys, not file names (Camunda's rule): a process deployed from
``a.bpmn`` and later from ``b.bpmn`` is one key with two versions, so the library is
chosen per key, newest first, and never holds two files defining the same key.
"""
from __future__ import annotations

from collections.abc import Set as AbstractSet

from sqlalchemy import func, select

from .. import engine
from ..errors import ValidationFailed
from ..extensions import db
from .models import DecisionDefinition, DeploymentFile, ProcessDefinition


def deployed_library(exclude_keys: AbstractSet[str] = frozenset()) -> dict[str, bytes]:
    """Files holding the latest version of each deployed process and decision, newest
    first, without keys in ``exclude_keys`` (the deployment defines them again).

    Names are the stored file names, made unique when two versions came from files of
    the same name.
    """
    newest = (select(func.max(ProcessDefinition.id)).group_by(ProcessDefinition.key))
    definitions = db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.id.in_(newest))
                                     .order_by(ProcessDefinition.id.desc()))
    files: dict[int, DeploymentFile] = {}
    for definition in definitions:
        if definition.key not in exclude_keys:
            files.setdefault(definition.file_id, definition.file)
    # Decisions deployed before decisions had versions have no rows: read every DMN
    # file, newest first, and keep those still defining a key nothing newer defines.
    seen = set(exclude_keys)
    for stored in db.session.scalars(select(DeploymentFile).where(DeploymentFile.kind == "dmn")
                                     .order_by(DeploymentFile.id.desc())):
        keys = set(engine.versions.decision_keys(stored.content.encode("utf-8")))
        if keys - seen:
            files.setdefault(stored.id, stored)
        seen |= keys
    library: dict[str, bytes] = {}
    for stored in sorted(files.values(), key=lambda f: f.id, reverse=True):
        name = stored.filename if stored.filename not in library else f"{stored.filename}#{stored.id}"
        library[name] = stored.content.encode("utf-8")
    return library


def keys_defined(files: dict[str, bytes]) -> set[str]:
    keys: set[str] = set()
    for data in files.values():
        keys.update(engine.versions.process_keys(data))
        keys.update(engine.versions.decision_keys(data))
    return keys


def pinned_versions(files: dict[str, bytes]) -> dict[tuple[str, int], bytes]:
    """The file of each (key, version) a call activity of ``files`` is bound to.

    Raises ValidationFailed naming the call activity and its line when that version
    was never deployed.
    """
    pinned: dict[tuple[str, int], bytes] = {}
    missing: dict[str, list[str]] = {}
    for call in engine.versions.pinned_calls(files, engine.parse_xml):
        definition = db.session.scalar(select(ProcessDefinition).where(
            ProcessDefinition.key == call.key, ProcessDefinition.version == call.version))
        if definition is None:
            missing.setdefault(call.element_id, []).append(
                f"{call.file}:{call.line}: calls version {call.version} of '{call.key}', which is not deployed "
                "[unknown-called-version]")
        else:
            pinned[(call.key, call.version)] = definition.file.content.encode("utf-8")
    if missing:
        raise ValidationFailed(f"{len(missing)} problem(s) in the deployment", missing)
    return pinned


def latest_decision(key: str) -> DecisionDefinition | None:
    return db.session.scalar(select(DecisionDefinition).where(DecisionDefinition.key == key)
                             .order_by(DecisionDefinition.version.desc()).limit(1))
