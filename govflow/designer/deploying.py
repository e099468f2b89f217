"""Deploying over the integrators' doors (``/api/v1``, ``/engine-rest``): who may,
and the deployment itself, so that both doors ask the same question."""
from __future__ import annotations

from sqlalchemy import func, select

from ..admin.access import require_administrator
from ..definitions.models import Deployment, ProcessDefinition
from ..definitions.service import DeployResult, check_deployment, deploy
from ..extensions import db
from ..identity.access import Principal


def require_designer(p: Principal) -> None:
    """Designers deploy; so do administrators (Forbidden otherwise)."""
    if not p.has_role("designer"):
        require_administrator(p)


def deploy_as(p: Principal, files: dict[str, bytes], source: str = "api") -> DeployResult:
    """Deploy ``files`` as ``p``. Raises Forbidden, ValidationFailed (nothing stored)."""
    require_designer(p)
    return deploy(files, p.user_id, source)


def check_as(p: Principal, files: dict[str, bytes]) -> list[dict]:
    require_designer(p)
    return check_deployment(files)


def deployment_of(p: Principal, result: DeployResult) -> tuple[Deployment, list[ProcessDefinition]]:
    """The deployment ``deploy_as`` just stored and the definitions it created."""
    deployment = db.session.get_one(Deployment, db.session.scalar(
        select(func.max(Deployment.id)).where(Deployment.deployed_by_id == p.user_id)))
    created = [db.session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.key == key, ProcessDefinition.version == result.versions[key])).one()
        for key in result.created]
    return deployment, created


def list_deployments(p: Principal, limit: int, offset: int) -> list[Deployment]:
    require_designer(p)
    return list(db.session.scalars(select(Deployment).order_by(Deployment.id.desc()).limit(limit).offset(offset)))
