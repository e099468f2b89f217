"""Tracking codes a resident can read aloud and type: ``K7Q4-M2XD-9PRT``.

Twelve symbols of Crockford's base 32 (60 random bits) in three groups. What a person
types is read generously: any case, spaces or dashes anywhere, and the look-alikes
O → 0 and I/L → 1, so a code misheard or misread between those still matches; U is
not a symbol at all. Codes issued before (``secrets.token_urlsafe``) keep working.
"""
from __future__ import annotations

import re
import secrets

SYMBOLS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH, GROUP = 12, 4
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_LEGACY = re.compile(r"^[A-Za-z0-9_-]{16}$")


def new_code() -> str:
    raw = "".join(secrets.choice(SYMBOLS) for _ in range(LENGTH))
    return "-".join(raw[i:i + GROUP] for i in range(0, LENGTH, GROUP))


def stored_form(typed: str) -> str | None:
    """The code as stored for what a person typed, or None when it cannot be one."""
    if not isinstance(typed, str):
        return None
    typed = typed.strip()
    raw = re.sub(r"[\s-]", "", typed).upper().translate(_LOOK_ALIKES)
    if len(raw) == LENGTH and all(c in SYMBOLS for c in raw):
        return "-".join(raw[i:i + GROUP] for i in range(0, LENGTH, GROUP))
    return typed if _LEGACY.match(typed) else None
