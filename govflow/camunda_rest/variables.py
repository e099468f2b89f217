"""Camunda's typed variables, ``{"name": {"value": …, "type": "String"}}``, to and
from GovFlow's plain JSON values (what :func:`instances.variables.check_incoming`
then judges, as for every door).

Accepted types: String, Boolean, Integer, Short, Long, Double, Date, Json, Null.
Object (serialized Java) and File are refused: nothing here could read them.
"""
from __future__ import annotations

import json
import math
from datetime import UTC, datetime

from flask import request

from ..errors import NotFound, ValidationFailed
from ..web.security import MAX_ID

INT32 = 2 ** 31
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def typed_in(variables, field: str = "variables") -> dict:
    """Plain values of Camunda's typed ``variables``; ValidationFailed naming ``field.name``."""
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise ValidationFailed("variables must be an object", {field: ["an object of name: {value, type}"]})
    out, errors = {}, {}
    for name, typed in variables.items():
        try:
            out[name] = _value_in(typed)
        except (TypeError, ValueError) as exc:
            errors[f"{field}.{name}"] = [str(exc) or "invalid value"]
    if errors:
        raise ValidationFailed("variables refused", errors)
    return out


def _value_in(typed):
    if not isinstance(typed, dict):
        raise TypeError("expected {\"value\": …, \"type\": …}")
    value, kind = typed.get("value"), str(typed.get("type") or "").lower()
    if value is None or kind == "null":
        return None
    if kind in ("", "string"):
        if kind == "" and not isinstance(value, str):
            return _value_in({"value": value, "type": _type_of(value)})
        return str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else _bad(kind)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return _bad(kind)
    if kind in ("integer", "short", "long"):
        number = int(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else _bad(kind)
        if kind != "long" and not -INT32 <= number < INT32:
            raise ValueError(f"out of the range of {kind}")
        return number
    if kind == "double":
        number = float(value) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else _bad(kind)
        return number if math.isfinite(number) else _bad(kind)
    if kind == "date":
        return _date_in(value)
    if kind == "json":
        return json.loads(value) if isinstance(value, str) else value
    raise ValueError(f"type {typed.get('type')!r} is not supported here")


def _bad(kind: str):
    raise ValueError(f"not a valid {kind}")


def _date_in(value) -> str:
    """Camunda's ``yyyy-MM-dd'T'HH:mm:ss.SSSZ`` (or any ISO 8601) as GovFlow's ISO text."""
    if not isinstance(value, str):
        _bad("date")
    text = value.strip()
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = text[:-2] + ":" + text[-2:]
    return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()


def typed_out(values: dict | None) -> dict:
    return {name: {"type": _type_of(value), "value": _value_out(value), "valueInfo": {}}
            for name, value in (values or {}).items()}


def _type_of(value) -> str:
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer" if -INT32 <= value < INT32 else "Long"
    if isinstance(value, float):
        return "Double"
    if isinstance(value, str):
        return "String"
    return "Json"


def _value_out(value):
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value


def camunda_date(value: datetime | None) -> str | None:
    """``2026-01-02T03:04:05.000+0000``, Camunda's date format."""
    if value is None:
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.strftime(DATE_FORMAT)[:-3] + aware.strftime("%z")


def json_body() -> dict:
    """The request's JSON object ({} when there is no body); 400 when it is not an object."""
    if not request.data:
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed("the body is not a JSON object", {"body": ["a JSON object"]})
    return body


def page_args() -> tuple[int, int]:
    """Camunda's ``firstResult`` and ``maxResults`` (at most 500 here)."""
    try:
        first = int(request.args.get("firstResult", 0))
        size = int(request.args.get("maxResults", 100))
    except ValueError as exc:
        raise ValidationFailed("firstResult and maxResults are integers", {"firstResult": ["integer"]}) from exc
    if first < 0 or first > 10_000_000 or size < 0:
        raise ValidationFailed("firstResult and maxResults must not be negative", {"firstResult": ["range"]})
    return first, min(size, 500)


def int_id(value: str | None, what: str) -> int:
    """A GovFlow id from Camunda's string id; an id that cannot be ours is one that does not exist."""
    if value is None or not value.isdigit() or not 0 < int(value) <= MAX_ID:
        raise NotFound(f"{what} {value} does not exist")
    return int(value)
