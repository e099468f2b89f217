"""Recording and reading the identity audit trail."""
from __future__ import annotations

from sqlalchemy import false, or_, select

from ..extensions import db
from ..identity.access import Principal
from .models import IdentityAudit


def record(actor: Principal | None, action: str, *, user_id: int | None = None,
           org_unit_id: int | None = None, detail: str = "") -> IdentityAudit:
    """Adds one audit row in the caller's unit of work (it commits or rolls back with the change)."""
    row = IdentityAudit(actor_id=actor.user_id if actor else None, actor=actor.username if actor else "system",
                        action=action, user_id=user_id, org_unit_id=org_unit_id, detail=detail[:1000])
    db.session.add(row)
    return row


def audit_of(user_id: int | None = None, org_unit_id: int | None = None, limit: int = 100) -> list[IdentityAudit]:
    """Newest first: the changes made to a user, to a unit, or (neither given) all of them."""
    query = select(IdentityAudit)
    if user_id is not None or org_unit_id is not None:
        query = query.where(or_(IdentityAudit.user_id == user_id if user_id is not None else false(),
                                IdentityAudit.org_unit_id == org_unit_id if org_unit_id is not None else false()))
    return list(db.session.scalars(query.order_by(IdentityAudit.at.desc(), IdentityAudit.id.desc()).limit(limit)))
