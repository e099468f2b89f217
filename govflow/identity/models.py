"""Org units, users, role grants and API tokens."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import PATH_TYPE, Model
from ..timeutil import utcnow


class OrgKind(str, enum.Enum):
    district = "district"
    street = "street"
    community = "community"
    grid = "grid"
    department = "department"
    unit = "unit"


ROLE_CODES = (
    "grid_worker", "community_staff", "community_secretary", "street_officer",
    "street_party_committee", "supervisor", "department_handler", "org_department",
    "housing_office", "unit_party_secretary", "party_member", "designer", "admin",
)


class OrgUnit(Model):
    __tablename__ = "org_units"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    #: Ids from the root down, "/1/4/9/": a subtree is a range query on this column.
    path: Mapped[str] = mapped_column(PATH_TYPE, index=True, default="/")
    #: Deactivated units stay (instances and grants refer to them) but take no new children or grants.
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent")


class User(UserMixin, Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_active_user: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    grants: Mapped[list[RoleGrant]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_user


class RoleGrant(Model):
    """``ROLE@ORG_UNIT``: the user acts in that role for the unit and its sub-units."""
    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "org_unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    user: Mapped[User] = relationship(back_populates="grants")
    org_unit: Mapped[OrgUnit] = relationship()


class ApiToken(Model):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    #: SHA-256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    user: Mapped[User] = relationship()


Index("ix_role_grants_role", RoleGrant.role)
