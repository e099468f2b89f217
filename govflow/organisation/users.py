"""Administering users: accounts, passwords, lockouts, role grants and API tokens.

Every change records an audit row naming the administrator. An administrator
cannot deactivate themselves or revoke their own ``admin`` grant, so the console
cannot lock out the person using it.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..identity.access import Principal
from ..identity.models import ApiToken, RoleGrant, User
from ..identity.service import create_user, end_access, grant_role, set_password
from ..timeutil import utcnow
from .audit import record

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{2,80}$")
#: Mainland mobile numbers, or landlines with an area code (0xx-xxxxxxxx).
PHONE_PATTERN = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
NAME_MAX = 120
PAGE_SIZE = 30


def check_user_fields(username: str | None, display_name: str | None, phone: str | None) -> dict[str, list[str]]:
    """Field errors (empty when fine); shared by the forms, the API and the import."""
    errors: dict[str, list[str]] = {}
    if username is not None and not USERNAME_PATTERN.match(username):
        errors["username"] = ["2–80 letters, digits, '_', '-' or '.'"]
    if display_name is not None and not display_name.strip():
        errors["display_name"] = ["required"]
    elif display_name is not None and len(display_name) > NAME_MAX:
        errors["display_name"] = [f"at most {NAME_MAX} characters"]
    if phone and not PHONE_PATTERN.match(phone):
        errors["phone"] = ["a mobile number (11 digits) or 0xx-xxxxxxxx"]
    return errors


@dataclass
class UserPage:
    rows: list[User]
    total: int
    page: int
    pages: int


def search_users(q: str = "", page: int = 1, size: int = PAGE_SIZE) -> UserPage:
    """Users whose name, display name or phone contains ``q``, by username, one page."""
    query = select(User)
    if q.strip():
        like = f"%{q.strip()}%"
        query = query.where(or_(User.username.ilike(like), User.display_name.ilike(like), User.phone.ilike(like)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    rows = db.session.scalars(query.options(selectinload(User.grants).joinedload(RoleGrant.org_unit))
                              .order_by(User.username).offset((page - 1) * size).limit(size)).all()
    return UserPage(list(rows), total, page, pages)


def add_user(actor: Principal, username: str, display_name: str, phone: str | None = None,
             password: str | None = None, grants: list[str] | tuple = (),
             generate_password: bool = True) -> tuple[User, str | None]:
    """Creates the account. Without ``password`` one is generated and returned (to be
    shown once) — or, with ``generate_password=False`` (imports), the account has no
    usable password until an administrator resets it."""
    username, display_name, phone = (username or "").strip(), (display_name or "").strip(), (phone or "").strip()
    errors = check_user_fields(username, display_name, phone)
    if errors:
        raise ValidationFailed("invalid user", errors)
    one_time = None if password or not generate_password else _one_time_password()
    if secret := password or one_time:
        user = create_user(username, secret, display_name, phone=phone or None)
    else:
        if db.session.scalar(select(User.id).where(User.username == username)):
            raise ValidationFailed(f"user '{username}' exists already", {"username": ["taken"]})
        user = User(username=username, display_name=display_name, phone=phone or None, password_hash="")
        db.session.add(user)
        db.session.flush()
    record(actor, "user.create", user_id=user.id, detail=f"{username} {display_name}")
    for spec in grants:
        add_grant(actor, user, spec)
    return user, one_time


def update_user(actor: Principal, user: User, display_name: str | None = None, phone: str | None = None) -> User:
    display_name = display_name.strip() if display_name is not None else None
    phone = phone.strip() if phone is not None else None
    errors = check_user_fields(None, display_name, phone)
    if errors:
        raise ValidationFailed("invalid user", errors)
    changes = []
    if display_name is not None and display_name != user.display_name:
        changes.append(f"name: {user.display_name} → {display_name}")
        user.display_name = display_name
    if phone is not None and (phone or None) != user.phone:
        changes.append(f"phone: {user.phone or '-'} → {phone or '-'}")
        user.phone = phone or None
    if changes:
        record(actor, "user.update", user_id=user.id, detail="; ".join(changes))
    return user


def set_user_active(actor: Principal, user: User, active: bool) -> User:
    if not active and user.id == actor.user_id:
        raise Conflict("you cannot deactivate yourself", {"is_active": ["own account"]})
    if user.is_active_user != active:
        user.is_active_user = active
        revoked = 0 if active else end_access(user)
        record(actor, "user.activate" if active else "user.deactivate", user_id=user.id,
               detail=f"{revoked} API token(s) revoked" if revoked else "")
    return user


def reset_password(actor: Principal, user: User, password: str | None = None) -> str | None:
    """Sets ``password`` (checked against the policy) or a generated one, which is returned
    to be shown once. Also lifts a lockout; the user's sessions end (their fingerprint
    changes) and their API tokens are revoked."""
    one_time = None if password else _one_time_password()
    set_password(user, password or one_time or "")  # one of them is set
    user.failed_logins, user.locked_until = 0, None
    revoked = end_access(user)
    record(actor, "user.password_reset", user_id=user.id,
           detail=("generated" if one_time else "set by admin") + f"; {revoked} API token(s) revoked")
    return one_time


def unlock_user(actor: Principal, user: User) -> User:
    user.failed_logins, user.locked_until = 0, None
    record(actor, "user.unlock", user_id=user.id)
    return user


def is_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > utcnow()


def add_grant(actor: Principal, user: User, spec: str) -> RoleGrant:
    """Grants ``ROLE@ORG_UNIT``; a deactivated unit takes no new grants."""
    spec = (spec or "").strip()
    grant = grant_role(user, spec)
    if not grant.org_unit.is_active:
        raise ValidationFailed(f"org unit '{grant.org_unit.code}' is deactivated", {"grant": ["unit deactivated"]})
    record(actor, "grant.add", user_id=user.id, org_unit_id=grant.org_unit_id, detail=spec)
    return grant


def revoke_grant(actor: Principal, user: User, grant_id: int) -> None:
    grant = next((g for g in user.grants if g.id == grant_id), None)
    if grant is None:
        raise NotFound("no such grant")
    if grant.role == "admin" and user.id == actor.user_id:
        raise Conflict("you cannot revoke your own admin grant", {"grant": ["own admin grant"]})
    record(actor, "grant.revoke", user_id=user.id, org_unit_id=grant.org_unit_id,
           detail=f"{grant.role}@{grant.org_unit.code}")
    user.grants.remove(grant)
    db.session.flush()


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc())))


def revoke_user_token(actor: Principal, user: User, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("no such token")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(actor, "token.revoke", user_id=user.id, detail=token.name)


def _one_time_password() -> str:
    # 12 characters from an unambiguous alphabet: easy to read out over the phone.
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))
