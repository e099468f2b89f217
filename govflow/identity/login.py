"""Signing in with a password: per-account lockout, per-address limit, one answer.

Every failure is counted twice, in a transaction of its own that survives the
refusal (database.separate_transaction): on the user row (``failed_logins``; at
``LOGIN_MAX_FAILURES`` the account is locked for ``LOGIN_LOCK_MINUTES``, even for
the right password) and against the client address (``LOGIN_ADDRESS_MAX_FAILURES``
in ``LOGIN_ADDRESS_WINDOW_MINUTES``, then RateLimited — 429 — before any password
is looked at). The address limit keeps one client from locking account after
account, or guessing at many.

Whether a name exists must not show: an unknown name, a wrong password and a
locked account get the same answer (``invalid``), and each costs one password
hash of the configured method, so their timing matches too.
"""
from __future__ import annotations

import secrets
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import separate_transaction
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..throttle import check_limit, record_hit
from ..timeutil import utcnow
from .access import is_administrator, principal_for
from .models import User
from .service import check_password, end_access, set_password

LOGIN_BUCKET = "login"


class LoginRefused(DomainError):
    """Wrong name or password, a locked account (the same answer), an inactive one, or
    a staff member while local passwords are for administrators only."""
    status = 401

    def __init__(self, reason: str):
        super().__init__(reason)
        #: ``invalid``, ``inactive`` or ``sso_only`` (only told to whoever knows the password).
        self.reason = reason


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """A hash of the configured method, checked when the name is unknown."""
    return generate_password_hash(secrets.token_hex(16), method=method)


def authenticate(username: str, password: str, client: str, settings) -> User:
    """The user, when the password is right and the account may sign in.

    Raises RateLimited (the address failed too often) or LoginRefused."""
    window = timedelta(minutes=settings.LOGIN_ADDRESS_WINDOW_MINUTES)
    check_limit(db.session, LOGIN_BUCKET, client, settings.LOGIN_ADDRESS_MAX_FAILURES, window)
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    now = utcnow()
    if user is None:
        check_password_hash(_dummy_hash(settings.PASSWORD_HASH_METHOD), password or "")
        right = False
    else:
        right = check_password(user, password or "")  # also when locked: the same time
    locked = user is not None and user.locked_until is not None and user.locked_until > now
    if not right or locked or user is None:
        _record_failure(user.id if user is not None and not locked else None, client, window, settings)
        raise LoginRefused("invalid")
    if not user.is_active:
        raise LoginRefused("inactive")
    if settings.PASSWORD_LOGIN == "administrators" and not is_administrator(principal_for(user)):
        raise LoginRefused("sso_only")
    user.failed_logins, user.locked_until = 0, None
    return user


def _record_failure(user_id: int | None, client: str, window: timedelta, settings) -> None:
    """The failure, against the address and (a known, unlocked account) the account."""
    with separate_transaction() as session:
        record_hit(session, LOGIN_BUCKET, client, window)
        if user_id is None:
            return
        session.execute(update(User).where(User.id == user_id).values(failed_logins=User.failed_logins + 1))
        failures = session.scalar(select(User.failed_logins).where(User.id == user_id))
        if failures >= settings.LOGIN_MAX_FAILURES:
            session.execute(update(User).where(User.id == user_id).values(
                failed_logins=0, locked_until=utcnow() + timedelta(minutes=settings.LOGIN_LOCK_MINUTES)))


def change_password(user: User, current: str, new: str) -> None:
    """Raises ValidationFailed naming the field: wrong current password, or a weak new one.
    The user's API tokens are revoked and other sessions end (the fingerprint changes)."""
    if not check_password(user, current or ""):
        raise ValidationFailed("the current password is wrong", {"current": ["wrong_password"]})
    if new == current:
        raise ValidationFailed("the new password equals the old one", {"new": ["same_password"]})
    if len(new or "") < 8:
        raise ValidationFailed("the new password is too short", {"new": ["too_short"]})
    set_password(user, new)
    end_access(user)  # tokens issued under the old password go with it


def password_fingerprint(user: User) -> str:
    """Changes whenever the password does: sessions carry it, so a change ends the others."""
    return (user.password_hash or "")[-12:]
