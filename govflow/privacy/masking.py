"""What each audience sees of a resident, and the maskers that hide the rest.

One table (:data:`VISIBILITY`) says, per audience, whether a resident's name,
phone, ID number and address are shown in full or masked; every page, export,
API presenter, robot and SMS that shows a resident asks it through
:func:`mask_person`, :func:`mask_text` or :func:`mask_variables`.

Free text (a case's title, description, result, comments) is written by
residents and staff who paste whatever they have, so the text maskers match
numbers however they are spaced: ``13812345678``, ``138-1234-5678``,
``+86 138 1234 5678``, full-width digits, landlines ``010-12345678``, 18-digit
ID numbers (last char X) with spaces or dashes. Matching runs on a *folded*
copy of the text of the same length (full-width digits, dashes and spaces made
ASCII), so a match's span is also its span in the original.

Not covered: numbers spelled in Chinese numerals (一三八…), and names other than
the ones passed in (the reporter's own, from the case's variables).
"""
from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable


class Audience(str, enum.Enum):
    #: The ``admin`` flag or role: everything.
    ADMINISTRATOR = "administrator"
    #: Staff who work the case (a role at or above its unit other than supervisor).
    CASE_WORKER = "case_worker"
    #: 督办员 (role ``supervisor``): supervision needs the cases, not the people.
    SUPERVISOR = "supervisor"
    #: The public board, the tracking page, group robots, SMS, logs.
    PUBLIC = "public"


FULL, MASKED = "full", "masked"
PERSONAL_FIELDS = ("name", "phone", "id_number", "address")
VISIBILITY: dict[Audience, dict[str, str]] = {
    Audience.ADMINISTRATOR: dict.fromkeys(PERSONAL_FIELDS, FULL),
    Audience.CASE_WORKER: dict.fromkeys(PERSONAL_FIELDS, FULL),
    Audience.SUPERVISOR: dict.fromkeys(PERSONAL_FIELDS, MASKED),
    Audience.PUBLIC: dict.fromkeys(PERSONAL_FIELDS, MASKED),
}
#: Process variables holding a resident's personal data, by field (all processes).
PERSONAL_VARIABLES = {
    "name": ("reporter_name", "applicant_name", "member_name"),
    "phone": ("reporter_phone", "applicant_phone", "phone"),
    "id_number": ("id_number", "reporter_id_number", "applicant_id_number"),
    "address": ("location", "home_address", "estate_address", "address"),
}
#: Process variables that are free text in which residents write numbers and names.
FREE_TEXT_VARIABLES = ("title", "description", "result_summary", "verify_note", "rating_comment",
                       "comment", "note", "analysis", "remark")


def sees_in_full(audience: Audience, field: str = "phone") -> bool:
    return VISIBILITY[Audience(audience)][field] == FULL


# -- folding: same-length ASCII copy for matching --------------------------------
_FOLD = {0xFF10 + i: ord("0") + i for i in range(10)}
_FOLD.update({ord(c): ord("-") for c in "－—–‐‑‒―−﹣"})
_FOLD.update({ord(c): ord(" ") for c in "\u3000\u00a0\u2002\u2003\u2009\u202f\t"})
_FOLD.update({ord("＋"): ord("+"), ord("（"): ord("("), ord("）"): ord(")"), ord("Ｘ"): ord("X"),
              ord("ｘ"): ord("x"), ord("．"): ord(".")})
_SEP = r"[ \-.]?"
#: 18-digit ID numbers (last char a check digit or X), 15-digit old ones, and any
#: other run of 15+ digits (bank cards) — each digit optionally separated.
_ID_NUMBER = re.compile(rf"(?<![\dXx])\d(?:{_SEP}\d){{16}}{_SEP}[\dXx](?![\dXx])")
_LONG_NUMBER = re.compile(rf"(?<!\d)\d(?:{_SEP}\d){{14,}}(?![\dXx])")
#: Mainland mobiles, with an optional +86 / 0086 / 86 prefix.
_MOBILE = re.compile(rf"(?<![\d+])(?:(?:\+|00)\s?86[ \-]*|86[ \-]*|\(\+?86\)\s?)?(1[3-9]\d(?:{_SEP}\d){{8}})(?!\d)")
#: Landlines: area code 0xx/0xxx (optionally in brackets or after +86), 7–8 digits.
_LANDLINE = re.compile(r"(?<![\d+])(?:(?:\+|00)\s?86[ \-]*)?\(?(0\d{2,3})\)?[ \-]?(\d{3,4}[ \-]?\d{4})(?![\d])")
_ROOM = re.compile(r"\d+(室|户|号房)")


def _fold(text: str) -> str:
    return text.translate(_FOLD)


def _digits(text: str) -> str:
    return re.sub(r"[^\dXx]", "", text).upper()


def mask_phone(phone: str | None) -> str:
    """``13812345678`` (any spacing, +86) → ``138****5678``; a landline keeps its area
    code and last four digits; anything shorter than seven digits is all stars."""
    digits = _digits(_fold(phone or ""))
    if len(digits) >= 13 and digits.startswith(("86", "0086")) and re.search(r"1[3-9]\d{9}$", digits):
        digits = digits[-11:]
    if len(digits) == 11 and digits[0] == "1":
        return digits[:3] + "****" + digits[-4:]
    if len(digits) >= 7:
        # 010 and 02x are the three-digit area codes; the others have four.
        head = (3 if digits[1] in "12" else 4) if digits[0] == "0" else 0
        return (digits[:head] + "-" if head else "") + "****" + digits[-4:]
    return "*" * len(digits) if digits else ""


def mask_id_number(number: str | None) -> str:
    """``110101199001011234`` → ``110***********1234`` (spaces and dashes dropped)."""
    digits = _digits(_fold(number or ""))
    return digits[:3] + "*" * max(len(digits) - 7, 1) + digits[-4:] if len(digits) > 7 else "*" * len(digits)


def mask_name(name: str | None, default: str = "") -> str:
    """``张三`` → ``张*``: the surname stays, so a case worker's call can still greet."""
    name = (name or "").strip()
    return name[0] + "*" * max(len(name) - 1, 1) if name else default


def mask_address(address: str | None) -> str:
    """The first part (district, estate) stays; the building and room do not."""
    address = (address or "").strip()
    return address[:min(6, len(address) // 2)] + "****" if address else ""


_MASKERS: dict[str, Callable[[str], str]] = {"name": mask_name, "phone": mask_phone, "id_number": mask_id_number, "address": mask_address}


def mask_person(audience: Audience, field: str, value: str | None) -> str:
    """``value`` of the personal ``field`` as ``audience`` may see it."""
    value = "" if value is None else str(value)
    return value if sees_in_full(audience, field) else _MASKERS[field](value)


def _name_pattern(name: str) -> re.Pattern | None:
    name = re.sub(r"\s+", "", name or "")
    if len(name) < 2:  # a single character would mask every word holding it
        return None
    return re.compile(r"\s*".join(map(re.escape, name)), re.IGNORECASE)


def mask_text(text: str | None, names: Iterable[str | None] = (), audience: Audience = Audience.PUBLIC) -> str:
    """Free text with ID numbers, mobiles, landlines, room numbers and the given
    ``names`` masked, unless ``audience`` sees those in full."""
    text = "" if text is None else str(text)
    if not text or sees_in_full(audience):
        return text
    for pattern, masker in ((_ID_NUMBER, mask_id_number), (_MOBILE, mask_phone),
                             (_LONG_NUMBER, mask_id_number), (_LANDLINE, mask_phone)):
        folded, out, last = _fold(text), [], 0
        for match in pattern.finditer(folded):
            out += [text[last:match.start()], masker(match.group(0))]
            last = match.end()
        text = "".join(out) + text[last:]
    text = _ROOM.sub(r"**\1", text)
    for name in names:
        if name_pattern := _name_pattern(name or ""):
            text = name_pattern.sub(lambda m: mask_name(re.sub(r"\s+", "", m.group(0))), text)
    return text


def reporter_names(variables: dict | None) -> list[str]:
    """The residents named in a process's variables: the names to hide in its free text."""
    v = variables or {}
    return [str(v[k]) for k in PERSONAL_VARIABLES["name"] if isinstance(v.get(k), str) and v.get(k)]


def mask_variables(audience: Audience, variables: dict | None) -> dict:
    """A copy of a process's variables as ``audience`` may see them: personal fields
    masked by kind, every other string masked as free text (numbers, the names)."""
    variables = dict(variables or {})
    if sees_in_full(audience):
        return variables
    names = reporter_names(variables)
    by_key = {key: field for field, keys in PERSONAL_VARIABLES.items() for key in keys}

    def walk(value, key=None):
        if isinstance(value, str):
            return _MASKERS[by_key[key]](value) if key in by_key else mask_text(value, names, audience)
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        return value
    return walk(variables)


def personal_columns(audience: Audience, variables: dict | None) -> list[str]:
    """[name, phone, address] of a process's resident, as ``audience`` may see them."""
    v = variables or {}
    out = []
    for field in ("name", "phone", "address"):
        value = next((str(v[k]) for k in PERSONAL_VARIABLES[field] if v.get(k)), "")
        out.append(mask_person(audience, field, value))
    return out


# -- the public board: contact numbers dropped, not just masked ------------------
_MASKED_NUMBER = re.compile(r"(?<![\d*])(?:0\d{2,3}-(?=\*))?[\d*]{7,}[Xx]?…?")
_CONTACT_WORD = re.compile(r"(联系)?电话[:：]?\s*(?=[，。,;；（()）…]|$)")
_HOUSE = re.compile(r"(\d+(?:栋|幢|号楼|座))[^，。,;；、（）()\s]*?(?:室|户|号房|号)")
_MASKED_ROOM = re.compile(r"[\d*]+(?:室|户|号房)")
_DANGLING_COMMA = re.compile(r"[，,]\s*(?=[（()）。…]|$)")


def without_numbers(text: str | None, names: Iterable[str | None] = ()) -> str:
    """``text`` with phones and ID numbers removed (masked first, whatever their spacing,
    so none survives cut in half by a title's length) and ``names`` masked."""
    return _MASKED_NUMBER.sub("", mask_text(text, names))


def board_text(text: str | None, names: Iterable[str | None] = ()) -> str:
    """Public-board text: no phone or ID number, house numbers below the building
    masked ('3栋2单元501室' → '3栋**')."""
    text = _CONTACT_WORD.sub("", without_numbers(text, names))
    text = _HOUSE.sub(r"\1**", text)
    text = _MASKED_ROOM.sub("**", text)
    return _DANGLING_COMMA.sub("", text)


def surname_only(name: str | None) -> str:
    """Name → surname only ('王小明' → '王某'), for the public board."""
    name = (name or "").strip()
    return name[0] + "某" if name else "居民"
