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

    def schema(self, without: frozenset = frozenset()) -> Schema:
        return Schema.from_dict({k: f for k, f in self.schema_fields.items() if k not in without})()

    def hidden(self, data: dict) -> frozenset:
        return frozenset(k for k, tree in self.hide.items() if conditions.evaluate(tree, data))


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
    if kind == "group":
        if c.get("path"):
            problems.append(f"{where}: groups with a path (nested data) are not supported")
        _components(c.get("components") or [], form, problems, into, hide)
        return
    # form-js names a dynamic list's data by "path", every other input by "key".
    key = c.get("id") if kind == "text" else (c.get("path") or c.get("key")) if kind == "dynamiclist" else c.get("key")
    if not isinstance(key, str) or not key.isidentifier():
        problems.append(f"{where}: the key '{key}' is not a plain variable name")
        return
    if key in into:
        problems.append(f"{where}: the key '{key}' is used twice")
        return
    if hide and into is not form.schema_fields:
        problems.append(f"{where}: conditional.hide inside a dynamic list is not supported")
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
        into[key] = _field(c, kind, form, problems, where)
    except (TypeError, ValueError) as exc:
        problems.append(f"{where}: {exc}")
        return
    if c.get("readonly") or c.get("disabled"):
        # Shown, never taken: a value sent for it is left out like an unknown key.
        into[key].dump_only = True
        into[key].metadata["readonly"] = True


def _either(outer: str | None, inner: str | None) -> str | None:
    if outer and inner:
        return f"({outer}) or ({inner})"
    return outer or inner or None


def _field(c: dict, kind: str, form: CamundaForm, problems: list[str], where: str):
    rules = c.get("validate") or {}
    meta = {"label": c.get("label") or c.get("key"), "help": c.get("description")}
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
        meta["widget"] = "file"
        return fields.List(fields.String(validate=validate.Length(min=1, max=200)), required=required,
                           validate=validate.Length(min=1 if required else 0, max=9), metadata=meta)
    if kind == "dynamiclist":
        rows: dict = {}
        _components(c.get("components") or [], form, problems, rows)
        high = c.get("maxItems") or 50
        return fields.List(fields.Nested(Schema.from_dict(rows)), required=required,
                           validate=validate.Length(min=1 if required else 0, max=int(high)), metadata=meta)
    # select, radio, checklist, taglist: a fixed list of values
    if c.get("valuesKey") or c.get("valuesExpression"):
        raise ValueError("options from process data (valuesKey) cannot be checked; list the values in the form")
    values = [(str(v.get("value")), str(v.get("label") or v.get("value"))) for v in c.get("values") or []]
    if not values:
        raise ValueError("no values to choose from")
    meta["choices"] = values
    one_of = validate.OneOf([v for v, _ in values], labels=[label for _, label in values])
    if kind in ("select", "radio"):
        meta["widget"] = "select"
        return fields.String(required=required, validate=one_of, metadata=meta)
    meta["widget"] = "multiselect"
    return fields.List(fields.String(validate=one_of), required=required,
                       validate=validate.Length(min=1 if required else 0, max=len(values)), metadata=meta)


def _number(value):
    if value in (None, ""):
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


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
