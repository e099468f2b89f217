"""Describe and validate a task's form, whether from formKey or camunda:formData.

Both kinds end up as one marshmallow schema, so the page, the API and the
server-side check read the same rules.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from ..errors import ValidationFailed
from . import get_form
from .camunda.references import is_camunda_form, load_form
from .camunda.schema import SafePattern

#: The largest whole number a form field of type long takes (PostgreSQL BIGINT).
LONG_MAX = 2**63 - 1
_WIDGETS = {fields.Integer: "number", fields.Float: "number", fields.Decimal: "number",
            fields.Boolean: "checkbox", fields.Date: "date", fields.DateTime: "datetime",
            fields.List: "multiselect"}
_TYPES = {fields.Integer: "long", fields.Float: "double", fields.Decimal: "double",
          fields.Boolean: "boolean", fields.Date: "date", fields.DateTime: "datetime",
          fields.List: "list"}


class CamundaDate(fields.Date):
    """A date typed as Camunda's forms type it by default (``dd/MM/yyyy``) or as ISO."""

    _DAY_FIRST = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        if isinstance(value, str) and self._DAY_FIRST.match(value.strip()):
            try:
                return datetime.strptime(value.strip(), "%d/%m/%Y").date()
            except ValueError:
                raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from None
        return super()._deserialize(value, attr, data, **kwargs)


def schema_for(form_key: str | None, form_fields: list[dict]) -> Schema | None:
    """The schema of a task: a Camunda Form, else the registered formKey schema, else formData."""
    if is_camunda_form(form_key):
        return load_form(form_key).schema()
    if form_key and get_form(form_key) is not None:
        return _registered(form_key)
    if form_fields:
        return _from_form_data(_freeze(form_fields))
    return None


@lru_cache(maxsize=256)
def _registered(form_key: str) -> Schema:
    schema = get_form(form_key)
    if schema is None:  # callers ask get_form() first
        raise LookupError(f"no form is registered as '{form_key}'")
    return schema()


def _freeze(form_fields):
    import json
    return json.dumps(form_fields, sort_keys=True, ensure_ascii=False)


@lru_cache(maxsize=512)
def _from_form_data(frozen: str) -> Schema:
    import json
    declared: dict[str, fields.Field] = {}
    for f in json.loads(frozen):
        rules = f.get("validation") or {}
        props = f.get("properties") or {}
        kwargs: dict[str, Any] = {"required": "required" in rules,
                  "metadata": {"label": f.get("label") or f["id"], "help": props.get("help"),
                               "readonly": "readonly" in rules}}
        # A required field's default only pre-fills the form (marshmallow refuses both).
        if f.get("default") not in (None, "") and not kwargs["required"]:
            kwargs["load_default"] = f["default"]
        validators: list[validate.Validator] = []
        kind = f.get("type") or "string"
        field_cls: type[fields.Field]
        if kind == "long":
            field_cls = fields.Integer
            # A "long" is stored, searched and compared as a BIGINT: beyond it is invalid (422).
            validators.append(validate.Range(min=-LONG_MAX, max=LONG_MAX))
        elif kind == "boolean":
            field_cls = fields.Boolean
        elif kind == "date":
            field_cls = CamundaDate
        elif kind == "enum":
            field_cls = fields.String
            options = f.get("options") or []
            validators.append(validate.OneOf([o["id"] for o in options],
                                             labels=[o["name"] for o in options]))
            kwargs["metadata"]["choices"] = [(o["id"], o["name"]) for o in options]
        else:
            field_cls = fields.String
        if "min" in rules or "max" in rules:
            validators.append(validate.Range(min=_num(rules.get("min")), max=_num(rules.get("max"))))
        if "minlength" in rules or "maxlength" in rules:
            validators.append(validate.Length(min=_num(rules.get("minlength")),
                                              max=_num(rules.get("maxlength"))))
        declared[f["id"]] = field_cls(validate=validators, **kwargs)
    return Schema.from_dict(declared)()


def _num(value):
    if value in (None, ""):
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


def describe(form_key: str | None, form_fields: list[dict]) -> list[dict]:
    schema = schema_for(form_key, form_fields)
    described = [] if schema is None else describe_schema(schema)
    if is_camunda_form(form_key):
        # The page hides and shows fields by the same conditions the server checks.
        hide = load_form(form_key).hide_source
        for entry in described:
            entry["hide_if"] = hide.get(entry["id"])
    return described


def describe_schema(schema: Schema) -> list[dict]:
    """What a page needs to draw each field; a list of nested rows (widget "table")
    also lists its ``columns``, described the same way."""
    out = []
    for name, field in schema.fields.items():
        meta = field.metadata
        choices = meta.get("choices")
        if callable(choices):  # units of the organisation (forms/pickers.py), read when drawn
            choices = choices()
        if choices is None:
            one_of = next((v for v in field.validators if isinstance(v, validate.OneOf)), None)
            if one_of is not None:
                choices = list(zip(one_of.choices, one_of.labels or one_of.choices))
        kind = next((t for cls, t in _TYPES.items() if isinstance(field, cls)), "string")
        rows = getattr(field, "inner", None)
        rows = rows.schema if isinstance(rows, fields.Nested) else None
        widget = meta.get("widget") or ("table" if rows is not None else
                                         "select" if choices and kind != "list" else
                                         next((w for cls, w in _WIDGETS.items() if isinstance(field, cls)), "text"))
        if isinstance(field, fields.Nested):
            kind = "object"
        entry = {"id": name, "type": "enum" if choices and kind == "string" else kind,
                 "label": meta.get("label") or name, "help": meta.get("help"),
                 "required": field.required, "widget": widget,
                 "readonly": bool(meta.get("readonly")),
                 "options": [{"id": str(v), "name": str(label)} for v, label in (choices or [])],
                 "constraints": _constraints(field)}
        if widget == "markdown":
            entry["text"] = meta.get("text") or ""
        if rows is not None:
            entry["columns"] = describe_schema(rows)
        if isinstance(field, fields.Nested):
            entry["fields"] = describe_schema(field.schema)
        out.append(entry)
    return out


class DayBound(validate.Validator):
    """A date within ``earliest`` … ``latest`` days from today (either may be open), today
    read when the value is checked or described, so the description gives the ``min``/``max``
    dates the server accepts on that day instead of leaving clients to learn them from a 422."""

    def __init__(self, today: Callable[[], date], *, earliest: int | None = None, latest: int | None = None,
                 error: str):
        self.today, self.earliest, self.latest, self.error = today, earliest, latest, error

    def bounds(self) -> tuple[date | None, date | None]:
        day = self.today()
        return (day + timedelta(days=self.earliest) if self.earliest is not None else None,
                day + timedelta(days=self.latest) if self.latest is not None else None)

    def __call__(self, value):
        low, high = self.bounds()
        if value is not None and ((low is not None and value < low) or (high is not None and value > high)):
            raise ValidationError(self.error)
        return value


def _constraints(field) -> dict:
    out = {}
    for v in field.validators:
        if isinstance(v, validate.Range):
            # The BIGINT bound of every long is the storage's limit, not the designer's rule.
            out.update({k: val for k, val in (("min", v.min), ("max", v.max))
                        if val is not None and abs(val) != LONG_MAX})
        elif isinstance(v, validate.Length):
            out.update({k: val for k, val in (("minlength", v.min), ("maxlength", v.max)) if val is not None})
        elif isinstance(v, SafePattern):
            out["pattern"] = v.pattern
        elif isinstance(v, validate.Regexp):
            out["pattern"] = v.regex.pattern
        elif isinstance(v, DayBound):
            out.update({k: day.isoformat() for k, day in zip(("min", "max"), v.bounds(), strict=True) if day})
    return out


def validate_submission(form_key: str | None, form_fields: list[dict], data: dict) -> dict:
    """Return the cleaned, JSON-safe values or raise ValidationFailed naming each field.

    Values for keys that the form does not declare pass through unchanged when
    there is no form at all (API callers completing form-less tasks).
    """
    if is_camunda_form(form_key):
        return _validate_camunda(form_key, data)
    schema = schema_for(form_key, form_fields)
    if schema is None:
        return dict(data)
    return _load(schema, data)


def _validate_camunda(form_key: str, data: dict) -> dict:
    """A field hidden by its ``conditional.hide`` (judged on what was submitted) must
    not carry a value, and is not required: the worker never saw it."""
    form = load_form(form_key)
    hidden = form.hidden(data)
    refused = {k: ["this field is hidden and takes no value"] for k in hidden if data.get(k) not in (None, "", [])}
    try:
        cleaned = _load(form.schema(without=hidden), form.with_objects(data))
    except ValidationFailed as exc:
        raise ValidationFailed("the form has errors", {**exc.errors, **refused}) from exc
    if refused:
        raise ValidationFailed("the form has errors", refused)
    return cleaned


def _load(schema: Schema, data: dict) -> dict:
    try:
        loaded = schema.load(data, unknown="exclude")
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed("the form has errors", errors) from exc
    return schema.dump(loaded) if loaded else {}
