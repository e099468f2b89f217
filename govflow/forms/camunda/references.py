"""Which version of a Camunda Form a task shows, and reading that version.

A diagram names a form in one of two ways, both kept in the task's form key:

* ``camunda-forms:deployment:NAME.form`` (``camunda:formKey``): the file of that name
  deployed with the diagram;
* ``camunda-forms:ref:ID:BINDING[:VERSION]`` (the engine's spelling of
  ``camunda:formRef`` + ``formRefBinding`` + ``formRefVersion``): the form ``ID``,
  latest version, the one of the diagram's deployment, or a fixed version.

:func:`pin` turns either into ``camunda-form:ID:vN`` when the task is created (or a
start form is shown), so a task keeps the version it was created with even when a
newer one is deployed while it waits, and submissions are checked against what
the worker saw.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import TypeGuard

from sqlalchemy import select

from ...definitions.models import DeploymentFile, FormDefinition
from ...errors import NotFound, ValidationFailed
from ...extensions import db
from .schema import CamundaForm, form_id_of, read_form

DEPLOYMENT_PREFIX = "camunda-forms:deployment:"
REF_PREFIX = "camunda-forms:ref:"
PINNED_PREFIX = "camunda-form:"
BINDINGS = ("latest", "deployment", "version")


def is_camunda_form(form_key: str | None) -> TypeGuard[str]:
    return form_key is not None and form_key.startswith((DEPLOYMENT_PREFIX, REF_PREFIX, PINNED_PREFIX))


def parse_reference(form_key: str) -> tuple[str, str, int | None]:
    """(form id or file name, binding, version) of an unpinned key; raises ValueError."""
    if form_key.startswith(DEPLOYMENT_PREFIX):
        return form_key[len(DEPLOYMENT_PREFIX):], "file", None
    if not form_key.startswith(REF_PREFIX):
        raise ValueError(f"'{form_key}' is not a Camunda Form reference")
    form_id, _, rest = form_key[len(REF_PREFIX):].partition(":")
    binding, _, version = rest.partition(":")
    binding = binding or "latest"
    if binding not in BINDINGS:
        raise ValueError(f"camunda:formRefBinding '{binding}' is not one of {', '.join(BINDINGS)}")
    if binding == "version" and not version.isdigit():
        raise ValueError("camunda:formRefBinding=\"version\" needs a whole number in camunda:formRefVersion")
    return form_id, binding, int(version) if binding == "version" else None


def pin(form_key: str | None, deployment_id: int | None) -> str | None:
    """The pinned key of the form version ``form_key`` means for a diagram of
    ``deployment_id``; other keys unchanged. Raises NotFound."""
    if not is_camunda_form(form_key) or form_key.startswith(PINNED_PREFIX):
        return form_key
    definition = resolve(form_key, deployment_id)
    return f"{PINNED_PREFIX}{definition.key}:v{definition.version}"


def resolve(form_key: str, deployment_id: int | None) -> FormDefinition:
    name, binding, version = parse_reference(form_key)
    query = select(FormDefinition)
    if binding in ("file", "deployment"):
        stored = _deployment_form(deployment_id, name, by_file=binding == "file")
        query = query.where(FormDefinition.key == (form_id_of(stored.content.encode()) if stored else None),
                            FormDefinition.checksum == (stored.checksum if stored else None))
    else:
        query = query.where(FormDefinition.key == name)
        if version is not None:
            query = query.where(FormDefinition.version == version)
    found = db.session.scalar(query.order_by(FormDefinition.version.desc()).limit(1))
    if found is None:
        raise NotFound(f"form '{form_key}' is not deployed", {"form": [f"unknown form '{name}'"]})
    return found


def _deployment_form(deployment_id: int | None, name: str, by_file: bool) -> DeploymentFile | None:
    files = db.session.scalars(select(DeploymentFile).where(DeploymentFile.deployment_id == deployment_id,
                                                            DeploymentFile.kind == "form"))
    for stored in files:
        if (stored.filename == name) if by_file else (form_id_of(stored.content.encode()) == name):
            return stored
    return None


def form_document(form_key: str | None) -> dict:
    """The JSON schema of the form a (pinned or not) key names, as deployed; raises NotFound."""
    if not is_camunda_form(form_key):
        # The task exists and may be read; it has nothing of this kind (Camunda answers 400 too).
        raise ValidationFailed("no deployed form: the form is not a Camunda Form", {"form": ["no deployed form"]})
    return json.loads(_definition(form_key).file.content)


def load_form(form_key: str) -> CamundaForm:
    """The form a pinned (or, for lists and previews, unpinned: the latest) key names.
    Raises NotFound."""
    definition = _definition(form_key)
    return _read(definition.checksum, definition.file.content)


def _definition(form_key: str) -> FormDefinition:
    if form_key.startswith(PINNED_PREFIX):
        form_id, _, version = form_key[len(PINNED_PREFIX):].rpartition(":v")
        definition = db.session.scalar(select(FormDefinition).where(
            FormDefinition.key == form_id, FormDefinition.version == int(version))) if version.isdigit() else None
        if definition is None:
            raise NotFound(f"form '{form_key}' is not deployed", {"form": [f"unknown form '{form_id}'"]})
    else:
        try:
            name, binding, _ = parse_reference(form_key)
        except ValueError as exc:  # refused at deployment; a task keeps what it was created with
            raise NotFound(str(exc), {"form": [str(exc)]}) from exc
        definition = resolve(form_key if binding != "deployment" else f"{REF_PREFIX}{name}:latest", None) \
            if binding != "file" else _latest_by_file(name)
    return definition


def _latest_by_file(name: str) -> FormDefinition:
    stored = db.session.scalar(select(DeploymentFile).where(DeploymentFile.kind == "form", DeploymentFile.filename == name)
                               .order_by(DeploymentFile.id.desc()).limit(1))
    if stored is None:
        raise NotFound(f"form '{name}' is not deployed", {"form": [f"unknown form '{name}'"]})
    return resolve(f"{REF_PREFIX}{form_id_of(stored.content.encode())}:latest", None)


@lru_cache(maxsize=64)
def _read(_checksum: str, content: str) -> CamundaForm:
    # Keyed by checksum too (the content of a version never changes; reading it builds schemas).
    # The content is part of the key: 64 forms of at most MAX_FORM_BYTES bound the memory.
    return read_form(content.encode("utf-8"))
