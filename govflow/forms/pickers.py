"""Fields that name org units: a picker of names on the page, and a value the form checks
against the organisation, so a wrong code is a field error and never a step that loops
back to itself.

Which units fit can depend on the case (双报到's grid: one of the community's grids).
The task page and the submission set the case with ``for_case``; without one (the
designer's preview, the API's description) every unit of the kinds is offered.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_app_context
from marshmallow import ValidationError, fields, validate
from sqlalchemy import select

from ..extensions import db
from ..identity.models import OrgUnit

_case: ContextVar[dict | None] = ContextVar("form_case", default=None)


@contextmanager
def for_case(org_unit_id: int | None, variables: dict | None):
    """Describe and validate forms for the case in ``org_unit_id`` with ``variables``."""
    token = _case.set({"org_unit_id": org_unit_id, "variables": variables or {}})
    try:
        yield
    finally:
        _case.reset(token)


def case_variables() -> dict:
    return (_case.get() or {}).get("variables") or {}


def _units(kinds: tuple[str, ...], in_case_unit: bool) -> list[OrgUnit]:
    query = select(OrgUnit).where(OrgUnit.kind.in_(kinds), OrgUnit.is_active.is_(True))
    case = _case.get()
    if in_case_unit and case and case.get("org_unit_id"):
        query = query.where(OrgUnit.parent_id == case["org_unit_id"])
    return list(db.session.scalars(query.order_by(OrgUnit.path)))


class UnitCode(validate.Validator):
    """The code of an active unit of ``kinds`` (under the case's unit when ``in_case_unit``)."""

    def __init__(self, kinds: tuple[str, ...], error: str, in_case_unit: bool = False):
        self.kinds, self.error, self.in_case_unit = kinds, error, in_case_unit

    def __call__(self, value):
        if value not in {u.code for u in _units(self.kinds, self.in_case_unit)}:
            raise ValidationError(self.error)
        return value


def unit_options(kinds: tuple[str, ...], in_case_unit: bool = False):
    """Choices computed when the form is described: (code, name) of the fitting units
    (none outside an application, where there is no organisation to read)."""
    return lambda: [(u.code, u.name) for u in _units(kinds, in_case_unit)] if has_app_context() else []


def unit_picker(label: str, kinds: tuple[str, ...], error: str, help_text=None, required=True,
                in_case_unit=False) -> fields.String:
    """One unit, chosen by name."""
    return fields.String(required=required, allow_none=not required,
                         validate=UnitCode(kinds, error, in_case_unit),
                         metadata={"label": label, "help": help_text, "widget": "select",
                                   "choices": unit_options(kinds, in_case_unit)})


def units_picker(label: str, kinds: tuple[str, ...], error: str, help_text=None, maximum=10) -> fields.List:
    """Several units (checkboxes of names), none required."""
    return fields.List(fields.String(validate=UnitCode(kinds, error)), load_default=list,
                       validate=validate.Length(max=maximum),
                       metadata={"label": label, "help": help_text, "widget": "multiselect",
                                 "choices": unit_options(kinds)})
