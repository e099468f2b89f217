"""``/process-definition``: the processes the caller may start, their XML and start
forms, and starting one (``…/key/{key}/start``)."""
from __future__ import annotations

from flask import jsonify, request

from ..designer.deploying import suspend_definitions_as
from ..errors import ValidationFailed
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


@bp.route("/process-definition/key/<key>")
def definition(key):
    return jsonify(definition_out(readable_definition(principal(), key)[0]))


@bp.route("/process-definition/key/<key>/suspended", methods=["PUT"])
def suspend_definition(key):
    suspended = json_body().get("suspended")
    if not isinstance(suspended, bool):
        raise ValidationFailed("suspended is true or false", {"suspended": ["a boolean"]})
    suspend_definitions_as(principal(), key, suspended)
    return "", 204


@bp.route("/process-definition/key/<key>/xml")
def definition_xml(key):
    d = readable_definition(principal(), key)[0]
    return jsonify({"id": definition_id(d.key, d.version, d.id), "bpmn20Xml": process_xml(d)})


@bp.route("/process-definition/key/<key>/form-variables")
def start_form_variables(key):
    """The start form's fields with their default values, typed."""
    _d, details, _versions = readable_definition(principal(), key)
    fields = describe(details.start_form_key, list(details.start_form_fields))
    defaults = {f["id"]: f.get("default") for f in details.start_form_fields}
    return jsonify({name: {**value, "type": _form_type(field)} for field in fields
                    for name, value in typed_out({field["id"]: defaults.get(field["id"])}).items()})


def _form_type(field: dict) -> str:
    return {"boolean": "Boolean", "integer": "Long", "long": "Long", "number": "Double", "double": "Double",
            "date": "Date", "datetime": "Date"}.get(field["type"], "String")


@bp.route("/process-definition/key/<key>/deployed-start-form")
def deployed_start_form(key):
    """The Camunda Form (JSON schema) of the start event, the version a start is checked against."""
    _d, details, _versions = readable_definition(principal(), key)
    return jsonify(form_document(details.start_form_key))


@bp.route("/process-definition/key/<key>/start", methods=["POST"])
def start(key):
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
    instance = start_process(p, key, unit if isinstance(unit, str) else "", values, business_key=business_key)
    return jsonify(instance_out(instance, variables=bool(body.get("withVariablesInReturn"))))
