from __future__ import annotations

from flask import request

from ..definitions.service import list_latest_definitions
from ..designer.deploying import check_as, deploy_as
from ..worklist.catalogue import readable_definition
from .auth import api_blueprint, principal
from .present import definition_detail_out
from .schemas import DefinitionDetailSchema, DefinitionSchema, DeploymentResultSchema, ProblemListSchema

PREFIX = ""
blp = api_blueprint("definitions", "Deployments and process definitions")

_FILES = {"type": "array", "items": {"type": "string", "format": "binary"},
          "description": ".bpmn, .dmn and .form files, one part each"}
_DEPLOY_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": _FILES, "name": {"type": "string", "maxLength": 255,
                                            "description": "the deployment's name (Camunda's deployment-name)"}}}}}}
_CHECK_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": _FILES}}}}}


@blp.route("/deployments", methods=["POST"])
@blp.doc(requestBody=_DEPLOY_BODY)
@blp.response(201, DeploymentResultSchema)
@blp.alt_response(422, description="the files have problems (element ids and lines in errors)")
def create_deployment():
    """Deploy .bpmn/.dmn/.form files (multipart field `file`, repeatable; optional field `name`)."""
    name = request.form.get("name")
    result = deploy_as(principal(), _uploaded(), name=name)
    first = result.process_keys[0] if result.process_keys else None
    return {**result.__dict__, "version": result.versions.get(first) if first else None, "name": name or None}


@blp.route("/deployments/validate", methods=["POST"])
@blp.doc(requestBody=_CHECK_BODY)
@blp.response(200, ProblemListSchema)
def validate_deployment():
    """Check .bpmn/.dmn files exactly as a deployment would, storing nothing: the problems
    (severity, code, message, file, line, element_id); any error would refuse the deployment."""
    problems = check_as(principal(), _uploaded())
    return {"problems": problems, "deployable": not any(p["severity"] == "error" for p in problems)}


def _uploaded() -> dict[str, bytes]:
    """The files of field ``file``; none is refused by the deployment (after who may deploy)."""
    return {u.filename or "upload.bpmn": u.read() for u in request.files.getlist("file")}


@blp.route("/process-definitions")
@blp.response(200, DefinitionSchema(many=True))
def list_definitions():
    return list_latest_definitions()


@blp.route("/process-definitions/<key>")
@blp.response(200, DefinitionDetailSchema)
def show_definition(key):
    """A process the caller may start: name, versions and the start form (fields as in task forms)."""
    return definition_detail_out(*readable_definition(principal(), key))
