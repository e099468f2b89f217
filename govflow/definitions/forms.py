"""Camunda Forms in a deployment: checking the ``.form`` files and the diagrams'
references to them, and storing a version per form id.

Only the platform knows which forms are deployed, so these checks live here and
not in the engine's lint; their problems have the lint's shape (code, message,
file, line, element id) and join its list.
"""
from __future__ import annotations

import hashlib

from lxml import etree
from sqlalchemy import select

from ..engine.parser import form_key_of
from ..extensions import db
from ..forms.camunda.references import DEPLOYMENT_PREFIX, REF_PREFIX, parse_reference
from ..forms.camunda.schema import FormError, form_id_of, read_form
from .models import Deployment, DeploymentFile, FormDefinition

_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_FORM_HOLDERS = (_BPMN + "userTask", _BPMN + "startEvent")


def is_form_file(name: str) -> bool:
    return name.lower().endswith(".form")


def check_forms(files: dict[str, bytes]) -> list[dict]:
    """Problems of the ``.form`` files and of every form reference of the diagrams."""
    problems, deploying = [], {}
    for name, data in files.items():
        if not is_form_file(name):
            continue
        try:
            deploying[name] = read_form(data).form_id
        except FormError as exc:
            problems += [{**_problem("invalid-form", message, name), "element_id": getattr(message, "component", None)}
                         for message in exc.problems]
    for name, data in files.items():
        if name.lower().endswith((".bpmn", ".bpmn20.xml")):
            problems += _check_references(name, data, deploying)
    return problems


def _check_references(name: str, data: bytes, deploying: dict[str, str]) -> list[dict]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return []  # the engine's lint reports unreadable XML
    problems = []
    for el in root.iter(*_FORM_HOLDERS):
        key = form_key_of(el)
        if not key or not key.startswith((DEPLOYMENT_PREFIX, REF_PREFIX)):
            continue
        try:
            form_name, binding, version = parse_reference(key)
        except ValueError as exc:
            problems.append(_problem("unknown-form-ref", str(exc), name, el))
            continue
        if not _reference_exists(form_name, binding, version, deploying):
            where = "in this deployment" if binding in ("file", "deployment") else "deployed or deploying"
            problems.append(_problem("unknown-form-ref", f"{el.get('id')} names form '{form_name}'"
                                     f"{f' version {version}' if version else ''}, which is not {where}", name, el))
    return problems


def _reference_exists(form_name: str, binding: str, version: int | None, deploying: dict[str, str]) -> bool:
    if binding == "file":
        return form_name in deploying
    if binding == "deployment":
        return form_name in deploying.values()
    query = select(FormDefinition.id).where(FormDefinition.key == form_name)
    if version is not None:
        query = query.where(FormDefinition.version == version)
    # A fixed version of a form deployed now is its next version, unknown before storing.
    return (version is None and form_name in deploying.values()) or db.session.scalar(query.limit(1)) is not None


def store_forms(files: dict[str, bytes], deployment: Deployment, stored: dict[str, DeploymentFile]) -> dict[str, int]:
    """Version of each form id of the deployment: a new one unless the content is the latest's."""
    versions = {}
    for name, data in files.items():
        if not is_form_file(name):
            continue
        key, checksum = form_id_of(data), hashlib.sha256(data).hexdigest()
        latest = db.session.scalar(select(FormDefinition).where(FormDefinition.key == key)
                                   .order_by(FormDefinition.version.desc()).limit(1))
        if latest is not None and latest.checksum == checksum:
            versions[key] = latest.version
            continue
        versions[key] = (latest.version + 1) if latest else 1
        db.session.add(FormDefinition(key=key, name=key, version=versions[key], checksum=checksum,
                                      deployment=deployment, file=stored[name]))
    return versions


def _problem(code: str, message: str, file: str, el=None) -> dict:
    return {"severity": "error", "code": code, "message": message, "file": file,
            "element_id": el.get("id") if el is not None else None,
            "line": el.sourceline if el is not None else None}
