"""A Camunda Forms JSON schema read into a marshmallow schema.

The platform's pages, /api/v1 and /engine-rest all describe and validate forms
through marshmallow (:mod:`govflow.forms.validation`); reading a ``.form`` into
the same shape means a designer's form is checked by the very code that checks
the platform's own forms. What cannot be checked is refused at deployment
(:class:`FormError` with every problem), never skipped at submission.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field as dc_field

import regex
from marshmallow import Schema, ValidationError, fields, validate

from ..pickers import case_variables
from . import conditions

#: Components that only lay out the page: nothing to submit, nothing to check.
_LAYOUT = {"button", "separator", "spacer"}
_FIELD_TYPES = {"textfield", "textarea", "number", "datetime", "select", "radio", "checkbox",
                "checklist", "taglist", "filepicker", "dynamiclist", "group", "text"}
#: Patterns are the designer's, inputs the public's: both bounded, and the match timed out.
MAX_PATTERN = 300
MAX_TEXT = 10_000
PATTERN_TIMEOUT = 0.05
MAX_FORM_BYTES = 200_000
#: A task's pinned key ``camunda-form:<id>:v<n>`` must fit its 120-character form_key.
MAX_FORM_ID = 80


class FormProblem(str):
    """A problem's text, knowing the component it is about (the designer marks it)."""
    component: str | None = None


class FormError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class CamundaForm:
    form_id: str
    schema_fields: dict
    #: field key → parsed ``conditional.hide`` condition
    hide: dict = dc_field(default_factory=dict)
    #: field key → the ``conditional.hide`` text, for the page's script
    hide_source: dict = dc_field(default_factory=dict)
    #: field key → its text, for the page (``text`` components)
    texts: dict = dc_field(default_factory=dict)
    #: paths of groups (``path``) and of their parents: objects a submission always has,
    #: so that their required fields report themselves when nothing was sent
    objects: list = dc_field(default_factory=list)

    def schema(self, without: frozenset = frozenset()) -> Schema:
        return Schema.from_dict({k: f for k, f in self.schema_fields.items() if k not in without})()

    def hidden(self, data: dict) -> frozenset:
        return frozenset(k for k, tree in self.hide.items() if conditions.evaluate(tree, data))

    def with_objects(self, data: dict) -> dict:
        """``data`` with an empty object at each group path that was not sent."""
        data = dict(data)
        for path in self.objects:
            parent = data
            for segment in path:
                value = parent.get(segment)
                if value is None:
                    value = parent[segment] = {}
                elif isinstance(value, dict):
                    value = parent[segment] = dict(value)
                else:
                    break  # not an object: the nested field reports it
                parent = value
        return data


def form_id_of(data: bytes) -> str:
    """The key a ``.form`` file is versioned by: its ``id``; raises FormError."""
    doc = _load(data)
    form_id = doc.get("id")
    if not isinstance(form_id, str) or not form_id.strip() or len(form_id) > MAX_FORM_ID:
        raise FormError([f"the form has no id (1–{MAX_FORM_ID} characters)"])
    return form_id


def read_form(data: bytes) -> CamundaForm:
    """Raises FormError listing each component it cannot check."""
    form_id = form_id_of(data)
    form = CamundaForm(form_id, {})
    problems: list[str] = []
    _components(_load(data).get("components") or [], form, problems)
    for key, tree in form.hide.items():
        # Page and server judge a condition on the form's own values, so it may read only those.
        unknown = conditions.names(tree) - set(form.schema_fields)
        if unknown:
            problems.append(f"component {key}: conditional.hide reads {', '.join(sorted(unknown))}, "
                            "which the form does not have")
    if problems:
        raise FormError(problems)
    return form


def _load(data: bytes) -> dict:
    if len(data) > MAX_FORM_BYTES:
        raise FormError([f"the form is larger than {MAX_FORM_BYTES} bytes"])
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormError([f"not a Camunda Forms JSON file: {exc}"]) from exc
    if not isinstance(doc, dict) or doc.get("type") != "default":
        raise FormError(['not a Camunda Forms JSON file: "type": "default" missing'])
    return doc


def _components(components: list, form: CamundaForm, problems: list[str], into: dict | None = None,
                group_hide: str | None = None) -> None:
    """Read ``components`` into ``into`` (the form's fields, or a dynamic list's row).
    ``group_hide``: the condition of enclosing groups, which hides their fields too."""
    into = form.schema_fields if into is None else into
    for index, c in enumerate(components):
        before = len(problems)
        _component(c, index, form, problems, into, group_hide)
        for i in range(before, len(problems)):
            if not isinstance(problems[i], FormProblem):  # the innermost component names it
                problem = problems[i] = FormProblem(problems[i])
                problem.component = str(c.get("key") or c.get("path") or c.get("id") or index) \
                    if isinstance(c, dict) else str(index)


def _component(c, index: int, form: CamundaForm, problems: list[str], into: dict, group_hide: str | None) -> None:
    kind = c.get("type") if isinstance(c, dict) else None
    where = f"component {c.get('key') or c.get('id') or index} ({kind})" if isinstance(c, dict) else f"component {index}"
    if kind in _LAYOUT:
        return
    if kind not in _FIELD_TYPES:
        problems.append(f"{where}: GovFlow cannot check components of type '{kind}'")
        return
    hide = _either(group_hide, ((c.get("conditional") or {}).get("hide") or "").strip().lstrip("=").strip())
    if kind == "group" and not c.get("path"):
        _components(c.get("components") or [], form, problems, into, hide)
        return
    # form-js names a group's and a dynamic list's data by "path" (dotted: nested objects),
    # every other input by "key".
    key = c.get("id") if kind == "text" else c.get("path") if kind in ("group", "dynamiclist") else c.get("key")
    segments = key.split(".") if isinstance(key, str) and kind in ("group", "dynamiclist") else [key]
    if not all(isinstance(s, str) and s.isidentifier() for s in segments):
        problems.append(f"{where}: the key '{key}' is not a plain variable name")
        return
    key = segments[0]
    if key in into:
        problems.append(f"{where}: the key '{key}' is used twice")
        return
    if hide and into is not form.schema_fields:
        problems.append(f"{where}: conditional.hide inside a dynamic list or a group with a path is not supported")
    elif hide:
        try:
            form.hide[key] = conditions.parse(hide)
            form.hide_source[key] = hide
        except conditions.ConditionError as exc:
            problems.append(f"{where}: conditional.hide '{hide}' cannot be evaluated: {exc}")
    if kind == "text":
        form.texts[key] = str(c.get("text") or "")[:MAX_TEXT]
        into[key] = fields.Raw(dump_only=True, metadata={"widget": "markdown", "text": form.texts[key]})
        return
    try:
        field = _field(c, kind, form, problems, where, top_level=into is form.schema_fields)
    except (TypeError, ValueError) as exc:
        problems.append(f"{where}: {exc}")
        return
    into[key] = _nest(segments, field, form, into is form.schema_fields, kind == "group")
    if c.get("readonly") or c.get("disabled"):
        # Shown, never taken: a value sent for it is left out like an unknown key.
        into[key].dump_only = True
        into[key].metadata["readonly"] = True


def _either(outer: str | None, inner: str | None) -> str | None:
    if outer and inner:
        return f"({outer}) or ({inner})"
    return outer or inner or None


def _nest(segments: list[str], field, form: CamundaForm, top_level: bool, is_group: bool):
    """The field at ``segments[0]``: ``field`` itself, or objects down to it (path ``a.b``).
    Objects are remembered (``form.objects``) when they sit at the form's top."""
    if top_level:
        form.objects.extend(tuple(segments[:n]) for n in range(1, len(segments) + (1 if is_group else 0)))
    for segment in reversed(segments[1:]):
        field = fields.Nested(Schema.from_dict({segment: field}), metadata={"label": segment, "widget": "group"})
    return field


def _field(c: dict, kind: str, form: CamundaForm, problems: list[str], where: str, top_level: bool = True):
    rules = c.get("validate") or {}
    meta = {"label": c.get("label") or c.get("key") or c.get("path"), "help": c.get("description")}
    if kind == "group":
        # A group with a path: its fields' values nested in one object (form-js's data shape).
        members: dict = {}
        _components(c.get("components") or [], form, problems, members)
        meta["widget"] = "group"
        return fields.Nested(Schema.from_dict(members), metadata=meta)
    required = bool(rules.get("required"))
    validators: list[validate.Validator] = []
    if rules.get("min") is not None or rules.get("max") is not None:
        validators.append(validate.Range(min=_number(rules.get("min")), max=_number(rules.get("max"))))
    if kind in ("textfield", "textarea"):
        low, high = rules.get("minLength"), rules.get("maxLength")
        validators.append(validate.Length(min=int(low) if low is not None else (1 if required else None),
                                          max=min(int(high), MAX_TEXT) if high is not None else MAX_TEXT))
        if rules.get("pattern"):
            validators.append(SafePattern(str(rules["pattern"])))
        if rules.get("validationType") == "email":
            validators.append(validate.Email())
        elif rules.get("validationType"):
            raise ValueError(f"validationType '{rules['validationType']}' is not supported")
        meta["widget"] = "textarea" if kind == "textarea" else "text"
        return fields.String(required=required, validate=validators, metadata=meta)
    if kind == "number":
        integral = c.get("decimalDigits") == 0
        meta["widget"] = "number"
        return (fields.Integer if integral else fields.Float)(required=required, validate=validators, metadata=meta)
    if kind == "datetime":
        subtype = c.get("subtype") or "date"
        if subtype not in ("date", "datetime"):
            raise ValueError(f"datetime subtype '{subtype}' is not supported")
        return (fields.Date if subtype == "date" else fields.DateTime)(required=required, validate=validators,
                                                                       metadata=meta)
    if kind == "checkbox":
        return fields.Boolean(required=required, metadata=meta)
    if kind == "filepicker":
        if not top_level:
            raise ValueError("a file picker inside a dynamic list or a group with a path is not supported; "
                             "place it at the top of the form")
        meta["widget"] = "file"
        return fields.List(fields.String(validate=validate.Length(min=1, max=200)), required=required,
                           validate=validate.Length(min=1 if required else 0, max=9), metadata=meta)
    if kind == "dynamiclist":
        rows: dict = {}
        _components(c.get("components") or [], form, problems, rows)
        high = c.get("maxItems") or 50
        return fields.List(fields.Nested(Schema.from_dict(rows)), required=required,
                           validate=validate.Length(min=1 if required else 0, max=int(high)), metadata=meta)
    # select, radio, checklist, taglist: listed values, or the options a process variable holds
    if c.get("valuesExpression"):
        raise ValueError("options from a FEEL expression (valuesExpression) cannot be checked; "
                         "list the values in the form or name a variable (valuesKey)")
    one_of: validate.Validator
    if c.get("valuesKey"):
        values_key = str(c["valuesKey"])
        if not values_key.isidentifier():
            raise ValueError(f"valuesKey '{values_key}' is not a plain variable name")
        one_of = OptionsFrom(values_key)
        meta["choices"], meta["values_key"], most = one_of.choices, values_key, MAX_OPTIONS
    else:
        values = [(str(v.get("value")), str(v.get("label") or v.get("value"))) for v in c.get("values") or []]
        if not values:
            raise ValueError("no values to choose from")
        meta["choices"], most = values, len(values)
        one_of = validate.OneOf([v for v, _ in values], labels=[label for _, label in values])
    if kind in ("select", "radio"):
        meta["widget"] = "select"
        return fields.String(required=required, validate=one_of, metadata=meta)
    meta["widget"] = "multiselect"
    return fields.List(fields.String(validate=one_of), required=required,
                       validate=validate.Length(min=1 if required else 0, max=most), metadata=meta)


def _number(value):
    if value in (None, ""):
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


#: At most this many options are read from a ``valuesKey`` variable.
MAX_OPTIONS = 500


def options_of(value) -> list[tuple[str, str]]:
    """(value, label) pairs from a ``valuesKey`` variable, as form-js reads it: a list
    of ``{"label", "value"}`` objects or of plain values; anything else offers nothing."""
    if not isinstance(value, list):
        return []
    out = []
    for item in value[:MAX_OPTIONS]:
        if isinstance(item, dict) and item.get("value") not in (None, ""):
            out.append((str(item["value"]), str(item.get("label") or item["value"])))
        elif isinstance(item, (str, int, float)) and not isinstance(item, bool):
            out.append((str(item), str(item)))
    return out


class OptionsFrom(validate.Validator):
    """One of the options the case's variable ``values_key`` holds when the form is
    shown and submitted (``pickers.for_case``); without a case there are none."""

    def __init__(self, values_key: str):
        self.values_key = values_key

    def choices(self) -> list[tuple[str, str]]:
        return options_of(case_variables().get(self.values_key))

    def __call__(self, value):
        if value not in {v for v, _ in self.choices()}:
            raise ValidationError(f"must be one of the options in '{self.values_key}'")
        return value


class SafePattern(validate.Validator):
    """A designer's ``validate.pattern``, matched whole with a time limit: a pattern that
    backtracks catastrophically fails the field instead of holding a worker."""

    def __init__(self, pattern: str):
        if len(pattern) > MAX_PATTERN:
            raise ValueError(f"the pattern is longer than {MAX_PATTERN} characters")
        try:
            self.compiled = regex.compile(pattern, regex.V0)
        except regex.error as exc:
            raise ValueError(f"the pattern '{pattern}' is not a regular expression: {exc}") from exc
        self.pattern = pattern

    def __call__(self, value):
        if not isinstance(value, str):
            return value
        try:
            matched = self.compiled.fullmatch(value[:MAX_TEXT], timeout=PATTERN_TIMEOUT)
        except TimeoutError:
            matched = None
        if matched is None:
            raise ValidationError(f"does not match the pattern {self.pattern}")
        return value
