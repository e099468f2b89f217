"""撤回: taking back a step one completed, while nobody has acted on what followed.

Allowed to the person who completed the step, while the instance runs, when the
case's last act of a person is that completion (no other completion, claim,
transfer, return … since) and the steps it opened are unclaimed. The engine is
reset to the step (the same reset that 退回 uses); the step's new run goes back
to the withdrawer with the values they had entered as the form's defaults, and
the people the following steps had been offered to are told.
"""
from __future__ import annotations

from sqlalchemy import select

from ..errors import Conflict, NotFound
from ..extensions import db
from ..identity.access import Principal, can_see_task
from ..instances.models import InstanceEvent
from ..instances.runtime import changing
from ..notifications.service import notify_audience
from ..timeutil import utcnow
from .models import HumanTask, TaskStatus
from .rules import clean_comment, require_valid

#: Events that are someone acting on the case: one of these after a completion
#: means the completion has had consequences and is no longer the completer's to take back.
ACTS = ("task_completed", "task_claimed", "task_transferred", "task_delegated", "task_resolved",
        "cosigner_added", "cosign_handed", "task_cosigned", "cosign_refused", "instance_moved",
        "task_withdrawn", "message_received", "instance_suspended", "instance_resumed",
        "incident_retried")


def withdraw_refusal(task: HumanTask, p: Principal) -> str | None:
    """Why ``p`` may not withdraw ``task`` now (a sentence), or None when they may.

    Read without a lock for the page's button; ``withdraw_task`` asks again under it."""
    if task.status != TaskStatus.completed.value or task.completed_by_id != p.user_id:
        return "only the person who completed the step can withdraw it"
    done = db.session.scalar(select(InstanceEvent.id).where(
        InstanceEvent.instance_id == task.instance_id, InstanceEvent.task_id == task.id,
        InstanceEvent.kind == "task_completed").order_by(InstanceEvent.id.desc()).limit(1))
    later = done is None or db.session.scalar(select(InstanceEvent.id).where(
        InstanceEvent.instance_id == task.instance_id, InstanceEvent.id > done,
        InstanceEvent.kind.in_(ACTS)).limit(1))
    if later:
        return "the case has moved on since: someone acted on it"
    following = db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == task.instance_id, HumanTask.status == TaskStatus.open.value)).all()
    if any(t.claimed_at is not None or t.delegation_state is not None for t in following):
        return "the next step has been claimed"
    return None


def withdraw_task(task_id: int, p: Principal, reason: str | None = None) -> HumanTask:
    """Withdraw the completed ``task``; returns the step's new task, held by ``p``.

    Raises NotFound (no such task, or neither visible to nor completed by ``p``),
    ValidationFailed (``comment`` too long), Conflict with the reason otherwise
    (not completed by ``p``, the case moved on, the next step claimed, the
    instance not running). Takes the instance's lock like every change, so a
    claim racing the withdrawal either comes first (and the withdrawal is
    refused) or finds its task cancelled."""
    task = db.session.get(HumanTask, task_id)
    if task is None or (task.completed_by_id != p.user_id and not can_see_task(p, task)):
        raise NotFound(f"task {task_id} does not exist")
    errors: dict = {}
    reason = clean_comment(reason, errors)
    require_valid(errors, "the reason is not acceptable")
    with changing(task.instance_id, p.user_id) as change:
        task = db.session.scalars(select(HumanTask).where(HumanTask.id == task_id)
                                  .execution_options(populate_existing=True)).one()
        refusal = withdraw_refusal(task, p)
        if refusal:
            raise Conflict(refusal)
        following = list(db.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == task.instance_id, HumanTask.status == TaskStatus.open.value)))
        change.engine.reset_to(task.element_id)
        change.run_now()
        # New tasks are inserted directly (instances/sync), not added to the session: look them up.
        again = db.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == task.instance_id, HumanTask.element_id == task.element_id,
            HumanTask.status == TaskStatus.open.value, HumanTask.id > task.id,
            HumanTask.id.not_in([t.id for t in following]))
            .order_by(HumanTask.id.desc()).limit(1)).first()
        if again is None:  # e.g. one instance of a multi-instance step: not a step of its own
            raise Conflict("this step cannot be withdrawn on its own")
        again.assignee_id, again.claimed_at = p.user_id, utcnow()
        change.record("task_withdrawn", task.element_id, task.id, comment=reason,
                      data={"cancelled": sorted({t.element_id for t in following})})
        for gone in following:
            if gone.status == TaskStatus.cancelled.value:
                notify_audience("withdrawn", gone, p.user_id)
    return again
