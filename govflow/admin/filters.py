"""Saved searches (保存的查询): a user names the current ledger search to run it again."""
from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import select

from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from .models import SavedFilter

#: Arguments that are not part of the search itself.
NOT_SAVED = {"page", "format", "csrf_token", "name"}
MAX_FILTERS = 50


def filter_query(args) -> str:
    """The search arguments of ``args`` (a dict or a request's MultiDict) as a query
    string, empty values dropped."""
    pairs = args.items(multi=True) if hasattr(args, "getlist") else args.items()
    return urlencode(sorted((k, str(v)) for k, v in pairs if k not in NOT_SAVED and str(v or "").strip()))


def list_filters(user_id: int) -> list[SavedFilter]:
    return list(db.session.scalars(select(SavedFilter).where(SavedFilter.user_id == user_id)
                                   .order_by(SavedFilter.name)))


def save_filter(user_id: int, name: str | None, args) -> SavedFilter:
    """Saves (or replaces, under the same name) the search in ``args``.
    Raises ValidationFailed for a missing or long name, Conflict past MAX_FILTERS."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("a name is required", {"name": ["required"]})
    if len(name) > 100:
        raise ValidationFailed("the name is too long", {"name": ["at most 100 characters"]})
    query = filter_query(args)
    row = db.session.scalar(select(SavedFilter).where(SavedFilter.user_id == user_id, SavedFilter.name == name))
    if row is None:
        if len(list_filters(user_id)) >= MAX_FILTERS:
            raise Conflict(f"at most {MAX_FILTERS} saved searches", {"name": ["delete one first"]})
        row = SavedFilter(user_id=user_id, name=name, query=query)
        db.session.add(row)
    row.query = query
    db.session.flush()
    return row


def delete_filter(user_id: int, filter_id: int) -> None:
    """Raises NotFound unless the filter exists and belongs to ``user_id``."""
    row = db.session.get(SavedFilter, filter_id)
    if row is None or row.user_id != user_id:
        raise NotFound(f"saved search {filter_id} does not exist")
    db.session.delete(row)
    db.session.flush()
