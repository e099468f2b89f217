"""Org units, users, grants and API tokens. Services flush; callers commit."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import bindparam, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import prepared, read_before_work
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..timeutil import utcnow
from .models import ROLE_CODES, ApiToken, OrgKind, OrgUnit, RoleGrant, User


def get_org_unit(code: str) -> OrgUnit:
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise NotFound(f"org unit '{code}' does not exist", {"org_unit": [f"unknown org unit '{code}'"]})
    return unit


def find_org_unit(code: str) -> OrgUnit | None:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def upsert_org_unit(code: str, name: str, kind: str, parent_code: str | None = None) -> OrgUnit:
    if kind not in OrgKind.__members__:
        raise ValidationFailed(f"unknown org unit kind '{kind}'", {"kind": [f"one of {', '.join(OrgKind.__members__)}"]})
    parent = get_org_unit(parent_code) if parent_code else None
    unit = find_org_unit(code)
    if unit is None:
        unit = OrgUnit(code=code, name=name, kind=kind)
        db.session.add(unit)
    unit.name, unit.kind, unit.parent = name, kind, parent
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    return unit


def ancestor_of_kind(unit: OrgUnit | None, kind: str) -> OrgUnit | None:
    while unit is not None and unit.kind != kind:
        unit = unit.parent
    return unit


def create_user(username: str, password: str, display_name: str = "", is_admin: bool = False,
                phone: str | None = None) -> User:
    if db.session.scalar(select(User).where(User.username == username)):
        raise ValidationFailed(f"user '{username}' exists already", {"username": ["taken"]})
    if len(password) < 8:
        raise ValidationFailed("password too short", {"password": ["at least 8 characters"]})
    user = User(username=username, display_name=display_name or username, is_admin=is_admin,
                password_hash=_hash(password), phone=phone)
    db.session.add(user)
    db.session.flush()
    return user


def get_user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"user '{username}' does not exist")
    return user


def set_password(user: User, password: str) -> None:
    if len(password) < 8:
        raise ValidationFailed("password too short", {"password": ["at least 8 characters"]})
    user.password_hash = _hash(password)


def check_password(user: User, password: str) -> bool:
    return bool(user.password_hash) and check_password_hash(user.password_hash, password)


def grant_role(user: User, spec: str) -> RoleGrant:
    """Grant ``ROLE@ORG_UNIT``."""
    role, sep, code = spec.partition("@")
    if not sep or not role or not code:
        raise ValidationFailed(f"grant '{spec}' must read ROLE@ORG_UNIT", {"grant": ["ROLE@ORG_UNIT"]})
    if role not in ROLE_CODES:
        raise ValidationFailed(f"unknown role '{role}'", {"grant": [f"unknown role '{role}'"]})
    unit = get_org_unit(code)
    existing = next((g for g in user.grants if g.role == role and g.org_unit_id == unit.id), None)
    if existing:
        return existing
    grant = RoleGrant(user=user, role=role, org_unit=unit)
    db.session.add(grant)
    db.session.flush()
    return grant


def hash_password(password: str) -> str:
    """The stored form of a password already checked against the policy (bulk imports)."""
    return _hash(password)


def _hash(password: str) -> str:
    from flask import current_app
    return generate_password_hash(password, method=current_app.config["GOVFLOW"].PASSWORD_HASH_METHOD)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, name: str = "cli") -> str:
    token = "gf_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, name=name, token_hash=_digest(token)))
    db.session.flush()
    return token


#: Built once (bound parameter): building the statement and its cache key cost more
#: than running it, on every API request.
_PRINCIPAL_FOR_TOKEN = prepared(
    select(User.id, User.username, User.is_admin, RoleGrant.role, OrgUnit.path)
    .join(ApiToken, ApiToken.user_id == User.id)
    .outerjoin(RoleGrant, RoleGrant.user_id == User.id).outerjoin(OrgUnit, OrgUnit.id == RoleGrant.org_unit_id)
    .where(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked_at.is_(None),
           User.is_active_user.is_(True)).order_by(RoleGrant.id))


def principal_for_token(token: str):
    """The Principal of the active user owning ``token``, or None: one statement, no ORM
    objects — every API request pays for this before it does anything."""
    from .access import Grant, Principal
    rows = read_before_work(_PRINCIPAL_FOR_TOKEN, {"digest": _digest(token)})
    if not rows:
        return None
    user_id, username, is_admin = rows[0][:3]
    return Principal(user_id, username, bool(is_admin),
                     tuple(Grant(role, path) for *_, role, path in rows if role is not None))


def end_access(user: User) -> int:
    """Revoke every API token of ``user``; returns how many were live. Called when the
    password is reset or changed and when the account is deactivated: whoever held
    the old password may have issued tokens. Login sessions end by themselves: they
    carry the password's fingerprint and need an active account (web/setup.py)."""
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                       ApiToken.revoked_at.is_(None))).all()
    for token in tokens:
        token.revoked_at = utcnow()
    return len(tokens)


def revoke_token(token_id: int) -> None:
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("no such token")
    row.revoked_at = utcnow()


def sole_org_unit(p) -> OrgUnit | None:
    """The one org unit a principal's grants name, or None when they name several or none
    (a door that lets a caller leave the unit out asks for it then)."""
    paths = {g.path for g in p.grants}
    if len(paths) != 1:
        return None
    return db.session.scalar(select(OrgUnit).where(OrgUnit.path == paths.pop()))
