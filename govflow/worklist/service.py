"""Working human tasks: claim, unclaim, complete (the lists: inbox.py)."""
from __future__ import annotations

from ..database import ensure_write_transaction
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..forms.pickers import for_case
from ..forms.validation import validate_submission
from ..identity.access import Principal, can_see_task, is_administrator_of
from ..instances.models import ProcessInstance
from ..instances.runtime import changing, lock_task_instance
from ..instances.sync import close_task
from ..instances.variables import check_incoming
from ..timeutil import utcnow
from .cosign import COSIGN_FACTS, hold_for_signers
from .models import HumanTask, TaskStatus
from .rules import (
    attach_form_files,
    clean_comment,
    comment_required,
    file_field_errors,
    has_commented,
    require_not_delegated,
    require_valid,
)


def get_visible_task(task_id: int, p: Principal, for_change: bool = True) -> HumanTask:
    """The task, if ``p`` may see it; otherwise NotFound (never reveal existence).

    ``for_change``: the instance is locked first and the task read under the lock,
    so the rules checked on it hold until the commit (changing() reuses the lock).
    """
    if for_change:
        ensure_write_transaction()
        found = lock_task_instance(task_id, COSIGN_FACTS)
        task = found[0] if found else None
    else:
        task = db.session.get(HumanTask, task_id)
    if task is None or not can_see_task(p, task):
        raise NotFound(f"task {task_id} does not exist")
    return task


def claim_task(task_id: int, p: Principal) -> HumanTask:
    task = get_visible_task(task_id, p)
    with changing(task.instance_id, p.user_id) as change:
        change.keep_engine_state()
        _require_open(task)
        require_not_delegated(task)
        if task.assignee_id not in (None, p.user_id):
            raise Conflict("the task is claimed by someone else")
        task.assignee_id, task.claimed_at = p.user_id, utcnow()
        change.record("task_claimed", task.element_id, task.id)
    return task


def unclaim_task(task_id: int, p: Principal) -> HumanTask:
    """Give a claimed task back to the pool: its assignee, or an administrator of its
    unit. Raises NotFound, Conflict (not open, held by another, delegated)."""
    task = get_visible_task(task_id, p)
    with changing(task.instance_id, p.user_id) as change:
        change.keep_engine_state()
        _require_open(task)
        require_not_delegated(task)
        if task.assignee_id != p.user_id and not is_administrator_of(p, task.scope_path):
            raise Conflict("only the assignee can give the task back")
        task.assignee_id, task.claimed_at = None, None
        change.record("task_unclaimed", task.element_id, task.id)
    return task


def complete_task(task_id: int, p: Principal, variables: dict, comment: str | None = None,
                  upload_errors: dict | None = None) -> HumanTask:
    """Complete with the submitted form values and 审批意见; a candidate need not claim first.

    A comment the caller added to the task before (Camunda's way) satisfies a
    required comment. Everything is validated before the instance is touched, so a ValidationFailed
    (per form field; ``comment`` when required or too long; file fields naming files
    not this form's; ``upload_errors`` the caller found in posted files) leaves
    nothing half-done. With 加签 signers after ``p`` waiting, the values wait for their
    signatures (cosign.py) and the step completes when the last signs. Raises NotFound (not visible), Conflict (done already, held
    by another, delegated, instance not active) otherwise.
    """
    task = get_visible_task(task_id, p)
    require_not_delegated(task)
    errors: dict = {}
    data: dict = {}
    instance = db.session.get_one(ProcessInstance, task.instance_id)  # in the identity map since the lock
    try:
        with for_case(instance.org_unit_id, instance.variables):
            data = check_incoming(validate_submission(task.form_key, task.form_fields, variables or {}))
    except ValidationFailed as exc:
        errors.update(exc.errors)
    errors.update(file_field_errors(task.form_key, task.form_fields, data, p, task.instance_id, task.id))
    comment = clean_comment(comment, errors, required=comment_required(task) and not has_commented(p, task))
    errors.update(upload_errors or {})
    require_valid(errors)
    with changing(task.instance_id, p.user_id) as change:
        _require_open(task)
        require_not_delegated(task)
        if task.assignee_id not in (None, p.user_id):
            raise Conflict("the task is claimed by someone else")
        attach_form_files(task.form_key, task.form_fields, data, task.instance_id, task.id)
        if hold_for_signers(change, task, p, data, comment):
            return task
        change.engine.complete(task.engine_task_id, data)
        change.completed_task_ids.add(task.engine_task_id)
        task.assignee_id = task.assignee_id or p.user_id
        close_task(task, TaskStatus.completed, p.user_id)
        change.record("task_completed", task.element_id, task.id, comment=comment,
                      data={"variables": data})
    return task


def _require_open(task: HumanTask) -> None:
    if task.status != TaskStatus.open.value:
        raise Conflict(f"the task is {task.status} already")
