"""``/process-definition``: the processes the caller may start, their XML and start
forms, and starting one — by key (the latest version) or by id.

Ids are ``key:version:row`` as Camunda formats them (``intake:2:17``); an id whose
key or version does not match its row does not exist."""
from __future__ import annotations

from flask import jsonify, request

from ..designer.deploying import suspend_definitions_as
from ..errors import NotFound, ValidationFailed
from ..forms.camunda.references import form_document
from ..forms.validation import describe
from ..identity.service import sole_org_unit
from ..worklist.catalogue import process_xml, readable_definition, startable_definitions
from ..worklist.starting import start_process
from . import bp
from .auth import principal
from .present import definition_id, definition_out, instance_out
from .variables import json_body, page_args, typed_in, typed_out

#: The variable that names the org unit a case is started for (GovFlow's jurisdiction).
ORG_UNIT = "org_unit"


@bp.route("/process-definition")
def definitions():
    first, size = page_args()
    key = request.args.get("key")
    rows = [d for d, _info in startable_definitions(principal()) if key is None or d.key == key]
    return jsonify([definition_out(d) for d in rows[first:first + size]])


@bp.route("/process-definition/count")
def definitions_count():
    return jsonify({"count": len(startable_definitions(principal()))})


def _by_key(key: str):
    return readable_definition(principal(), key)


def _by_id(ref: str):
    """The definition ``key:version:row`` names, if the caller may start it (404 otherwise)."""
    key, _, rest = ref.partition(":")
    version, _, row = rest.partition(":")
    if not (key and version.isdigit() and row.isdigit() and len(row) < 12):
        raise NotFound(f"process definition {ref} does not exist")
    found = readable_definition(principal(), key, int(row))
    if found[0].version != int(version):
        raise NotFound(f"process definition {ref} does not exist")
    return found


@bp.route("/process-definition/key/<key>")
def definition(key):
    return jsonify(definition_out(_by_key(key)[0]))


@bp.route("/process-definition/<ref>")
def definition_by_id(ref):
    return jsonify(definition_out(_by_id(ref)[0]))


def _xml(found) -> dict:
    d = found[0]
    return {"id": definition_id(d.key, d.version, d.id), "bpmn20Xml": process_xml(d)}


@bp.route("/process-definition/key/<key>/suspended", methods=["PUT"])
def suspend_definition(key):
    suspended = json_body().get("suspended")
    if not isinstance(suspended, bool):
        raise ValidationFailed("suspended is true or false", {"suspended": ["a boolean"]})
    suspend_definitions_as(principal(), key, suspended)
    return "", 204


@bp.route("/process-definition/key/<key>/xml")
def definition_xml(key):
    return jsonify(_xml(_by_key(key)))


@bp.route("/process-definition/<ref>/xml")
def definition_xml_by_id(ref):
    return jsonify(_xml(_by_id(ref)))


def _form_variables(found) -> dict:
    """The start form's fields with their default values, typed."""
    _d, details, _versions = found
    fields = describe(details.start_form_key, list(details.start_form_fields))
    defaults = {f["id"]: f.get("default") for f in details.start_form_fields}
    return {name: {**value, "type": _form_type(field)} for field in fields
            for name, value in typed_out({field["id"]: defaults.get(field["id"])}).items()}


@bp.route("/process-definition/key/<key>/form-variables")
def start_form_variables(key):
    return jsonify(_form_variables(_by_key(key)))


@bp.route("/process-definition/<ref>/form-variables")
def start_form_variables_by_id(ref):
    return jsonify(_form_variables(_by_id(ref)))


def _form_type(field: dict) -> str:
    return {"boolean": "Boolean", "integer": "Long", "long": "Long", "number": "Double", "double": "Double",
            "date": "Date", "datetime": "Date"}.get(field["type"], "String")


@bp.route("/process-definition/key/<key>/deployed-start-form")
def deployed_start_form(key):
    """The Camunda Form (JSON schema) of the start event, the version a start is checked against."""
    return jsonify(form_document(_by_key(key)[1].start_form_key))


@bp.route("/process-definition/key/<key>/start", methods=["POST"])
def start(key):
    return jsonify(_start(key, None))


@bp.route("/process-definition/<ref>/start", methods=["POST"])
def start_by_id(ref):
    d = _by_id(ref)[0]
    return jsonify(_start(d.key, d.id))


def _start(key: str, version_id: int | None) -> dict:
    """Start with typed ``variables`` and ``businessKey``; the org unit comes from the
    ``org_unit`` variable, else the caller's only unit (400 naming ``org_unit`` otherwise)."""
    body = json_body()
    values = typed_in(body.get("variables"))
    p = principal()
    unit = values.pop(ORG_UNIT, None)
    if unit is None:
        sole = sole_org_unit(p)
        if sole is None:
            raise ValidationFailed("name the org unit", {ORG_UNIT: [
                "required: set the variable org_unit to an org unit code of yours"]})
        unit = sole.code
    business_key = body.get("businessKey")
    if business_key is not None and not isinstance(business_key, str):
        raise ValidationFailed("businessKey is a string", {"businessKey": ["a string"]})
    instance = start_process(p, key, unit if isinstance(unit, str) else "", values, business_key=business_key,
                             version_id=version_id)
    return instance_out(instance, variables=bool(body.get("withVariablesInReturn")))
