"""Deploying BPMN/DMN files as versioned process definitions."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal, overload

from flask import current_app
from sqlalchemy import func, select

from .. import engine
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..forms import form_keys
from ..identity.models import ROLE_CODES
from ..tasks import handler_names
from .forms import check_forms, is_form_file, store_forms
from .library import deployed_library, keys_defined, latest_decision, pinned_versions
from .models import DecisionDefinition, Deployment, DeploymentFile, ProcessDefinition
from .timer_starts import schedule_timer_starts


@dataclass
class DeployResult:
    process_keys: list[str]
    versions: dict[str, int]
    created: list[str]
    warnings: list[dict] = field(default_factory=list)
    #: Version of each DMN decision key of the deployment (new or, unchanged, the latest).
    decision_versions: dict[str, int] = field(default_factory=dict)
    #: Version of each Camunda Form id of the deployment (new or, unchanged, the latest).
    form_versions: dict[str, int] = field(default_factory=dict)
    deployment_id: int | None = None


def deploy(files: dict[str, bytes], actor_id: int | None = None, source: str = "api", *,
           strict: bool = True, name: str | None = None) -> DeployResult:
    """Validate ``files`` and store a new version of each process or decision that changed.

    Versions belong to keys: a key deployed again from any file name gets the next
    version unless its content is the same as the latest one's.

    Raises ValidationFailed (nothing stored) with errors keyed by element id,
    each message carrying the file and line.

    ``strict=False`` skips the checks that roles (candidateGroups), forms
    (formKey) and service-task handlers named by the diagram exist on this
    platform; everything else (safety, structure, expressions, timers) is still
    checked. Only the compatibility tests (tests/compat) use it, to run
    Camunda's own examples, whose groups and Java delegates the platform cannot
    know; production deployments are always strict.
    """
    problems = check_deployment(files, strict=strict)
    diagrams = {n: d for n, d in files.items() if not is_form_file(n)}
    library = deployed_library(keys_defined(diagrams))
    errors = [p for p in problems if p["severity"] == "error"]
    if errors:
        raise ValidationFailed(f"{len(errors)} problem(s) in the deployment", _problem_map(errors))
    try:
        bundles = engine.parse_bundles(diagrams, library, handler_names=handler_names(),
                                       pinned=pinned_versions(diagrams)) if diagrams else {}
    except engine.BundleError as exc:
        raise ValidationFailed(str(exc), _problem_map([p.__dict__ for p in exc.problems])) from exc
    if not bundles and not any(n.lower().endswith((".dmn", ".dmn11.xml", ".form")) for n in files):
        raise ValidationFailed("no executable process in the files", {"file": ["isExecutable=\"true\" missing"]})

    dmn_digest = "".join(sorted(_sha(d) for n, d in files.items() if _kind(n) == "dmn"))
    deployment = Deployment(deployed_by_id=actor_id, source=source, name=name)
    stored: dict[str, DeploymentFile] = {}
    for name, data in files.items():
        stored[name] = DeploymentFile(filename=name, kind=_kind(name), checksum=_sha(data),
                                      content=data.decode("utf-8"))
        deployment.files.append(stored[name])
    db.session.add(deployment)
    db.session.flush()

    result = DeployResult([], {}, [], [p for p in problems if p["severity"] == "warning"],
                          deployment_id=deployment.id)
    for process_id, bundle in bundles.items():
        source_file = next(n for n, d in files.items() if f'id="{process_id}"'.encode() in d)
        checksum = _sha(files[source_file] + dmn_digest.encode())
        latest = latest_definition(process_id, required=False)
        result.process_keys.append(process_id)
        if latest is not None and latest.checksum == checksum:
            result.versions[process_id] = latest.version
            continue
        definition = ProcessDefinition(
            key=process_id, name=bundle.name, version=(latest.version + 1) if latest else 1,
            checksum=checksum, deployment=deployment, file=stored[source_file],
            bundle_json=bundle.to_json(), category=_category(files[source_file], process_id))
        db.session.add(definition)
        schedule_timer_starts(definition, files[source_file], source_file)
        result.versions[process_id] = definition.version
        result.created.append(process_id)
    for name, data in files.items():
        if _kind(name) == "dmn":
            result.decision_versions.update(_store_decisions(data, deployment, stored[name]))
    result.form_versions = store_forms(files, deployment, stored)
    db.session.flush()
    return result


def _store_decisions(data: bytes, deployment: Deployment, stored: DeploymentFile) -> dict[str, int]:
    versions = {}
    checksum = _sha(data)
    root = engine.parse_xml(data)
    for key in engine.versions.decision_keys(data):
        latest = latest_decision(key)
        if latest is not None and latest.checksum == checksum:
            versions[key] = latest.version
            continue
        found = root.xpath("//*[local-name()='decision'][@id=$id]", id=key)
        name = (found[0].get("name") if found else None) or key
        db.session.add(DecisionDefinition(key=key, name=name[:200], version=(latest.version + 1) if latest else 1,
                                          checksum=checksum, deployment=deployment, file=stored))
        versions[key] = (latest.version + 1) if latest else 1
    return versions


def check_deployment(files: dict[str, bytes], *, strict: bool = True) -> list[dict]:
    """The problems :func:`deploy` would find in ``files``, without storing anything.

    Raises ValidationFailed only for a call that names no file or a file that is
    neither BPMN nor DMN; everything else comes back as problem dicts (severity,
    code, message, file, element_id, line), so that the designer can list them.
    """
    if not files:
        raise ValidationFailed("no files to deploy", {"file": ["a .bpmn, .dmn or .form file is required"]})
    for name in files:
        if not name.lower().endswith((".bpmn", ".dmn", ".bpmn20.xml", ".dmn11.xml", ".form")):
            raise ValidationFailed(f"'{name}' is not a .bpmn, .dmn or .form file",
                                   {"file": [f"{name}: unsupported type"]})
    diagrams = {n: d for n, d in files.items() if not is_form_file(n)}
    forms = check_forms(files)
    if not diagrams:
        return forms
    library = deployed_library(keys_defined(diagrams))
    return forms + engine.check_files(diagrams, library, known_decisions=_known_decisions(library),
                              roles=set(ROLE_CODES) if strict else None,
                              form_keys=form_keys() if strict else None,
                              handlers=handler_names() if strict else None,
                              max_bytes=current_app.config["GOVFLOW"].MAX_DEPLOYMENT_BYTES)


@overload
def latest_definition(key: str, required: Literal[True] = True) -> ProcessDefinition: ...
@overload
def latest_definition(key: str, required: bool) -> ProcessDefinition | None: ...
def latest_definition(key: str, required: bool = True) -> ProcessDefinition | None:
    definition = db.session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key)
                                   .order_by(ProcessDefinition.version.desc()).limit(1))
    if definition is None and required:
        raise NotFound(f"process '{key}' is not deployed", {"process_key": [f"unknown process '{key}'"]})
    return definition


def list_latest_definitions() -> list[ProcessDefinition]:
    newest = (select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("v"))
              .group_by(ProcessDefinition.key).subquery())
    return list(db.session.scalars(
        select(ProcessDefinition).join(newest, (ProcessDefinition.key == newest.c.key)
                                       & (ProcessDefinition.version == newest.c.v))
        .order_by(ProcessDefinition.key)))


_bundles = engine.BundleCache()


def bundle_for(definition: ProcessDefinition) -> engine.ProcessBundle:
    # Keyed by checksum too: ids alone could be reused by a restored or test database.
    return _bundles.get((definition.id, definition.checksum), lambda: engine.ProcessBundle.from_json(
        definition.key, definition.name, definition.bundle_json))


def _known_decisions(library: dict[str, bytes]) -> set[str]:
    import re
    found = set()
    for name, data in library.items():
        if _kind(name) == "dmn":
            found.update(re.findall(rb'<(?:\w+:)?decision\b[^>]*\bid="([^"]+)"', data))
    return {d.decode() for d in found}


def _problem_map(problems: list[dict]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in problems:
        where = ":".join(str(x) for x in (p.get("file"), p.get("line")) if x)
        message = f"{p['message']} [{p['code']}]" if p.get("code") else p["message"]
        out.setdefault(p.get("element_id") or p.get("file") or "file", []).append(
            f"{where}: {message}" if where else message)
    return out


def _kind(name: str) -> str:
    if is_form_file(name):
        return "form"
    return "dmn" if name.lower().endswith((".dmn", ".dmn11.xml")) else "bpmn"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _category(data: bytes, process_id: str) -> str | None:
    import re
    match = re.search(rb'targetNamespace="([^"]*)"', data)
    return match.group(1).decode()[:80] if match else None
