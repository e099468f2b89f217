"""``/deployment``: deploying as Camunda Modeler does, and the list of deployments.

The Modeler posts multipart: ``deployment-name``, ``deployment-source``,
``deploy-changed-only``, ``enable-duplicate-filtering``, ``tenant-id`` and the
files under any field name (``data``, the file name …). GovFlow always deploys
changed processes only (same content, same version), so the flags change nothing.
"""
from __future__ import annotations

from flask import jsonify, request

from ..designer.deploying import deploy_as, deployment_of, get_deployment, list_deployments
from . import bp
from .auth import principal
from .present import definition_out, deployment_out
from .variables import int_id, page_args

#: Multipart fields that are parameters, not files.
PARAMETERS = {"deployment-name", "deployment-source", "deploy-changed-only", "enable-duplicate-filtering",
              "tenant-id", "deployment-activation-time"}


@bp.route("/deployment/create", methods=["POST"])
def create_deployment():
    files = {(f.filename or name): f.read() for name, f in request.files.items(multi=True)
             if name not in PARAMETERS}
    source = (request.form.get("deployment-source") or "engine-rest")[:40]
    p = principal()
    result = deploy_as(p, files, source, request.form.get("deployment-name"))
    deployment, created = deployment_of(p, result)
    return jsonify({**deployment_out(deployment),
                    "deployedProcessDefinitions": {d["id"]: d for d in map(definition_out, created)} or None,
                    "deployedCaseDefinitions": None, "deployedDecisionDefinitions": None,
                    "deployedDecisionRequirementsDefinitions": None})


@bp.route("/deployment")
def deployments():
    first, size = page_args()
    return jsonify([deployment_out(d) for d in list_deployments(principal(), size, first)])


@bp.route("/deployment/<deployment_id>")
def deployment(deployment_id):
    return jsonify(deployment_out(get_deployment(principal(), int_id(deployment_id, "deployment"))))
