"""Starting a case: the one use case behind the start page, REST and the CLI."""
from __future__ import annotations

from ..errors import ValidationFailed
from ..forms.validation import describe, validate_submission
from ..identity.access import Principal
from ..identity.service import find_org_unit
from ..instances.models import ProcessInstance
from ..instances.service import start_instance
from .catalogue import startable_definition
from .rules import attach_form_files, file_field_errors, require_valid

START_FORM = "the start form has errors"


def start_process(p: Principal, key: str, org_unit_code: str, values: dict, *,
                  business_key: str | None = None, upload_errors: dict | None = None,
                  version_id: int | None = None) -> ProcessInstance:
    """Start the latest ``key`` for an org unit of ``p``'s with the start form's values.

    ``p`` must be a starter (``camunda:candidateStarterGroups``/``Users``; without
    them any staff member) — NotFound otherwise, as for a process that does not
    exist. The org unit must lie in ``p``'s jurisdiction (and be of the kinds
    the process property ``org_unit_kinds`` names), the start form's fields
    must validate, file fields may name only ``p``'s own unattached uploads;
    values the form does not declare (from integrating systems) pass through the
    variables rule (:mod:`govflow.instances.variables`). ``version_id`` starts that
    version of ``key`` rather than the latest (Camunda starts by definition id). Raises ValidationFailed
    per field (``org_unit``, form fields, ``upload_errors`` of posted files).
    """
    definition, details = startable_definition(p, key, version_id)
    errors = dict(upload_errors or {})
    unit = find_org_unit(org_unit_code or "") if isinstance(org_unit_code, str) else None
    if unit is None or not p.covers(unit.path):
        errors["org_unit"] = ["Missing data for required field." if not org_unit_code else "not_in_jurisdiction"]
    elif details.org_unit_kinds and unit.kind not in details.org_unit_kinds:
        errors["org_unit"] = [f"{key} runs in a unit of kind {', '.join(details.org_unit_kinds)}, not {unit.kind}"]
    values = dict(values or {})
    data = {}
    form_fields = list(details.start_form_fields)
    if details.start_form_key or form_fields:
        declared = {f["id"] for f in describe(details.start_form_key, form_fields)}
        extras = {k: v for k, v in values.items() if k not in declared}
        try:
            data = {**extras, **validate_submission(details.start_form_key, form_fields, values)}
        except ValidationFailed as exc:
            errors = {**exc.errors, **errors}
        errors.update(file_field_errors(details.start_form_key, form_fields, data, p, None, None))
    else:
        data = values
    require_valid(errors, START_FORM)
    assert unit is not None  # else errors named org_unit and require_valid raised
    instance = start_instance(definition.key, unit.code, data, business_key, p.user_id,
                              title=str(data.get("title") or definition.name)[:300], definition=definition)
    attach_form_files(details.start_form_key, form_fields, data, instance.id, None)
    return instance
