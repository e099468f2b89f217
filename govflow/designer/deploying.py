"""Deploying over the integrators' doors (``/api/v1``, ``/engine-rest``): who may,
and the deployment itself, so that both doors ask the same question."""
from __future__ import annotations

from sqlalchemy import select

from ..admin.access import require_administrator
from ..definitions.models import Deployment, ProcessDefinition
from ..definitions.service import DeployResult, check_deployment, deploy
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..identity.access import Principal


def require_designer(p: Principal) -> None:
    """Designers deploy; so do administrators (Forbidden otherwise)."""
    if not p.has_role("designer"):
        require_administrator(p)


#: Longest deployment name kept (Deployment.name).
MAX_NAME = 255


def deploy_as(p: Principal, files: dict[str, bytes], source: str = "api", name: str | None = None) -> DeployResult:
    """Deploy ``files`` as ``p``, under ``name`` if given. Raises Forbidden,
    ValidationFailed (nothing stored; also for a name longer than MAX_NAME)."""
    require_designer(p)
    if name is not None and len(name) > MAX_NAME:
        raise ValidationFailed(f"the deployment name is longer than {MAX_NAME} characters",
                               {"deployment-name": [f"at most {MAX_NAME} characters"]})
    return deploy(files, p.user_id, source, name=name or None)


def check_as(p: Principal, files: dict[str, bytes]) -> list[dict]:
    require_designer(p)
    return check_deployment(files)


def deployment_of(p: Principal, result: DeployResult) -> tuple[Deployment, list[ProcessDefinition]]:
    """The deployment ``deploy_as`` just stored and the definitions it created."""
    deployment = db.session.get_one(Deployment, result.deployment_id)
    created = [db.session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.key == key, ProcessDefinition.version == result.versions[key])).one()
        for key in result.created]
    return deployment, created


def get_deployment(p: Principal, deployment_id: int) -> Deployment:
    """One deployment, for those who may deploy (NotFound otherwise: others do not see deployments)."""
    require_designer(p)
    deployment = db.session.get(Deployment, deployment_id)
    if deployment is None:
        raise NotFound(f"deployment {deployment_id} does not exist")
    return deployment


def list_deployments(p: Principal, limit: int, offset: int) -> list[Deployment]:
    require_designer(p)
    return list(db.session.scalars(select(Deployment).order_by(Deployment.id.desc()).limit(limit).offset(offset)))


def suspend_definitions_as(p: Principal, key: str, suspended: bool) -> list[ProcessDefinition]:
    """Suspend (or activate) every version of ``key``, as Camunda's suspension by key
    does: a suspended version starts no instance, by request or by its timer start
    events; running instances go on. Raises Forbidden, NotFound."""
    require_designer(p)
    versions = list(db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)))
    if not versions:
        raise NotFound(f"process '{key}' is not deployed", {"key": [f"unknown process '{key}'"]})
    for definition in versions:
        definition.is_suspended = suspended
    db.session.flush()
    return versions
