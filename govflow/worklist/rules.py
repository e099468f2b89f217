"""The business rules of working a task, checked by the use-case functions
themselves so that every door (pages, REST, CLI) obeys them alike: the 审批意见
(comment) rule and its limit, delegation (委派) and 加签, which files a form may
name, and what makes a form a *simple approval* (batch completion).
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select

from ..attachments.models import Upload
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..forms import get_form
from ..forms.validation import describe
from ..identity.access import Principal
from ..instances.models import InstanceEvent, ProcessInstance
from ..instances.runtime import instance_definition
from .catalogue import element_property
from .models import DelegationState, HumanTask

#: Longest comment (审批意见, reason, note) any action keeps.
COMMENT_MAX = 2000
REQUIRED = "Missing data for required field."
#: Ids one file field may hold.
MAX_FILES = 50
#: The audit event of a comment added outside an action (worklist.comments).
COMMENTED = "task_commented"


def comment_required(task: HumanTask) -> bool:
    """The form class says ``comment_required = True``, or the user task has the
    ``camunda:property name="comment_required" value="true"``."""
    schema = get_form(task.form_key) if task.form_key else None
    if schema is not None and getattr(schema, "comment_required", False):
        return True
    # Both reads hit the identity map when the task was read under its instance's lock.
    definition = instance_definition(db.session.get_one(ProcessInstance, task.instance_id))
    return (element_property(definition, task.element_id, "comment_required") or "").lower() == "true"


def has_commented(p: Principal, task: HumanTask) -> bool:
    """``p`` already gave the task a comment of its own. Camunda's clients add the
    审批意见 with POST /task/{id}/comment/create and then complete, so that comment
    satisfies the comment rule as one given with the completion does."""
    return db.session.scalar(select(InstanceEvent.id).where(
        InstanceEvent.instance_id == task.instance_id, InstanceEvent.task_id == task.id,
        InstanceEvent.kind == COMMENTED, InstanceEvent.actor_id == p.user_id).limit(1)) is not None


def clean_comment(comment: str | None, errors: dict, *, required: bool = False, field: str = "comment") -> str | None:
    """The stripped comment, or None when empty; adds ``field`` to ``errors`` when
    it is required and missing, or longer than COMMENT_MAX."""
    comment = (comment or "").strip() if isinstance(comment, str) else ""
    if required and not comment:
        errors[field] = [REQUIRED]
    elif len(comment) > COMMENT_MAX:
        errors[field] = [f"Longer than maximum length {COMMENT_MAX}."]
    return comment or None


def require_not_delegated(task: HumanTask) -> None:
    """While delegated, the delegate may only resolve the task back; while a co-signer
    holds it (加签), they may only sign it (Conflict)."""
    if task.is_delegated:
        raise Conflict("the task is delegated; the delegate resolves it back first")
    if task.delegation_state == DelegationState.cosigning.value:
        raise Conflict("a co-signer holds the task; they sign it first")


def simple_approval_field(task: HumanTask) -> str | None:
    """The one yes/no field of a *simple approval*, else None.

    A simple approval is a form whose only required field is one yes/no question
    (同意/签收/通过); anything else it asks is optional, and 审批意见 travels beside
    the form. Such a task can be completed in a batch: the question answered yes,
    one comment for all. Every other form needs a person to fill it in."""
    described = describe(task.form_key, list(task.form_fields or []))
    booleans = [f for f in described if f["type"] == "boolean" and not f["readonly"]]
    others_required = [f for f in described if f["required"] and f not in booleans]
    if len(booleans) != 1 or others_required:
        return None
    return booleans[0]["id"]


def file_field_errors(form_key: str | None, form_fields, values: dict, p: Principal,
                      instance_id: int | None, task_id: int | None) -> dict:
    """Per file field, an error when a value names a file that is not this form's to
    name: the caller's own uploads for this task (or, for a start form or an upload
    not yet attached, for none), or files of this very case. Anything else — another
    case's photo id, someone else's upload, a made-up id — is refused, so nobody can
    publish a file they may not read."""
    errors: dict = {}
    for field in describe(form_key, list(form_fields or [])):
        if field["widget"] != "file" or field["id"] not in values:
            continue
        ids = values[field["id"]]
        ids = ids if isinstance(ids, list) else [ids]
        if len(ids) > MAX_FILES or not all(isinstance(i, str) and 0 < len(i) <= 40 for i in ids):
            errors[field["id"]] = ["not_an_upload"]
            continue
        if set(ids) - allowed_upload_ids(ids, p, instance_id, task_id):
            errors[field["id"]] = ["not_an_upload"]
    return errors


def allowed_upload_ids(ids: list[str], p: Principal, instance_id: int | None, task_id: int | None) -> set[str]:
    own_unattached = (Upload.uploaded_by_id == p.user_id) & Upload.instance_id.is_(None) & Upload.task_id.is_(None)
    allowed: list[ColumnElement[bool]] = [own_unattached]
    if task_id is not None:
        allowed.append((Upload.uploaded_by_id == p.user_id) & (Upload.task_id == task_id))
    if instance_id is not None:
        allowed.append(Upload.instance_id == instance_id)
    return set(db.session.scalars(select(Upload.id).where(Upload.id.in_(ids), or_(*allowed))))


def attach_form_files(form_key: str | None, form_fields, values: dict, instance_id: int, task_id: int | None) -> None:
    """Files a form named that were not yet attached now belong to its case."""
    ids = [i for field in describe(form_key, list(form_fields or [])) if field["widget"] == "file"
           for i in (values.get(field["id"]) or [])]
    if ids:
        for row in db.session.scalars(select(Upload).where(Upload.id.in_(ids), Upload.instance_id.is_(None))):
            row.instance_id, row.task_id = instance_id, row.task_id or task_id


def require_valid(errors: dict, message: str = "the form has errors") -> None:
    if errors:
        raise ValidationFailed(message, errors)
