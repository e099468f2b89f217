"""Signing in with a password, with lockout after repeated failures.

Every failure is counted on the user row (``failed_logins``); at the limit the
account is locked until ``locked_until``, even for the right password. The
caller must commit after a failure too, or the count is lost.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash

from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..timeutil import utcnow
from .models import User
from .service import check_password, set_password

#: Checked against when the user does not exist, so both failures take as long.
_DUMMY_HASH = "pbkdf2:sha256:600000$govflow$" + "0" * 64


class LoginRefused(DomainError):
    """Wrong name or password, or a locked or inactive account."""
    status = 401

    def __init__(self, reason: str, minutes_left: int = 0):
        super().__init__(reason)
        #: ``invalid``, ``locked`` or ``inactive``: the page words each one.
        self.reason = reason
        self.minutes_left = minutes_left


def authenticate(username: str, password: str, max_failures: int, lock_minutes: int) -> User:
    """The user, when the password is right and the account may sign in.

    Raises LoginRefused; for an unknown name the answer (and its timing) is the
    same as for a wrong password.
    """
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        raise LoginRefused("invalid")
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        raise LoginRefused("locked", _minutes(user.locked_until - now))
    if not check_password(user, password or ""):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= max_failures:
            user.failed_logins, user.locked_until = 0, now + timedelta(minutes=lock_minutes)
            raise LoginRefused("locked", lock_minutes)
        raise LoginRefused("invalid")
    if not user.is_active:
        raise LoginRefused("inactive")
    user.failed_logins, user.locked_until = 0, None
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Raises ValidationFailed naming the field: wrong current password, or a weak new one."""
    if not check_password(user, current or ""):
        raise ValidationFailed("the current password is wrong", {"current": ["wrong_password"]})
    if new == current:
        raise ValidationFailed("the new password equals the old one", {"new": ["same_password"]})
    if len(new or "") < 8:
        raise ValidationFailed("the new password is too short", {"new": ["too_short"]})
    set_password(user, new)


def password_fingerprint(user: User) -> str:
    """Changes whenever the password does: sessions carry it, so a change ends the others."""
    return (user.password_hash or "")[-12:]


def _minutes(delta: timedelta) -> int:
    return max(1, int(delta.total_seconds() + 59) // 60)
