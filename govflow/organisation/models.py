"""The audit trail of identity changes (units, users, grants, tokens)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow


class IdentityAudit(Model):
    """One administrator's change: who, when, what. Rows are never updated or deleted."""
    __tablename__ = "identity_audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The administrator; the name is copied so the row still reads after a rename.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(80), default="")
    #: ``unit.create``, ``user.password_reset``, ``grant.revoke``… (see service modules).
    action: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    #: Human-readable specifics (old → new values); never a password.
    detail: Mapped[str] = mapped_column(String(1000), default="")


Index("ix_identity_audit_user", IdentityAudit.user_id, IdentityAudit.at)
Index("ix_identity_audit_unit", IdentityAudit.org_unit_id, IdentityAudit.at)
