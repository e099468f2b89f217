"""Usernames and org unit codes by id, as the API presents users and units.

Kept by the process: a username and a unit's code never change and neither row is ever
deleted (users and units are deactivated), so an entry cannot go stale. Every task and
instance in the API names its unit and assignee; without this each response paid one or
two more statements. (Only users and units that existed before the request are asked
for: one created in a unit of work that is then rolled back never reaches here.)
Bounded: a kind is emptied when it outgrows _MAX, and a lookup refills what it needs.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ..extensions import db
from .models import OrgUnit, User

_KNOWN: dict[str, dict[int, str]] = {}
_MAX = 100_000


def forget_names() -> None:
    """Empty the cache (tests reset their database, and ids with it)."""
    _KNOWN.clear()


def usernames(ids: Iterable[int | None]) -> dict[int | None, str]:
    return _names("username", User.id, User.username, ids)


def unit_codes(ids: Iterable[int | None]) -> dict[int | None, str]:
    return _names("unit_code", OrgUnit.id, OrgUnit.code, ids)


def _names(kind: str, id_column, name_column, ids: Iterable[int | None]) -> dict[int | None, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    known = _KNOWN.setdefault(kind, {})
    missing = wanted - known.keys()
    if missing:
        if len(known) + len(missing) > _MAX:
            known.clear()
        known.update(db.session.execute(select(id_column, name_column).where(id_column.in_(missing))).all())
    found: dict[int | None, str] = {i: known[i] for i in wanted if i in known}
    return found
