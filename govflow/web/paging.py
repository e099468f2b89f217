"""Whole numbers in pages' query strings (``?page=``, ``?version=``): one parser.

A number outside 1 … MAX_ID (``?page=99999999999999999999``, ``-1``, ``1e9``) is
refused with 422 naming the argument, before it reaches an OFFSET or a WHERE,
where it would overflow the database driver (a 500). Inside that range a page past
the last one shows the last page or an empty list, as each list decides. The REST
API bounds its numbers in its schemas (govflow/api/schemas.py, ``bounded_int``).
"""
from __future__ import annotations

import re
from typing import overload

from ..errors import ValidationFailed
from .security import MAX_ID

_WHOLE = re.compile(r"^\s*\+?\d{1,12}\s*$")


@overload
def int_arg(args, name: str, default: int, minimum: int = 1, maximum: int = MAX_ID) -> int: ...
@overload
def int_arg(args, name: str, default: None = None, minimum: int = 1, maximum: int = MAX_ID) -> int | None: ...
def int_arg(args, name: str, default: int | None = None, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """The query argument ``name`` as an int in [minimum, maximum]; ``default`` when
    absent or empty; ValidationFailed (422) otherwise."""
    raw = args.get(name)
    if raw is None or not str(raw).strip():
        return default
    if not _WHOLE.match(str(raw)) or not minimum <= int(raw) <= maximum:
        raise ValidationFailed(f"'{name}' must be a whole number from {minimum} to {maximum}",
                               {name: [f"a whole number from {minimum} to {maximum}"]})
    return int(raw)


def whole_number(raw) -> int | None:
    """A form field's id or version: an int in 1 … MAX_ID, else None (the service then
    answers "not found" or names the field, instead of the driver overflowing)."""
    raw = "" if raw is None else str(raw)
    return int(raw) if _WHOLE.match(raw) and 1 <= int(raw) <= MAX_ID else None


def page_arg(args, name: str = "page") -> int:
    """``?page=``: 1 by default; see :func:`int_arg`."""
    return int_arg(args, name, 1)
