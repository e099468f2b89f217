"""加签: asking another staff member to sign a task before or after oneself.

The engine is not bent: the task stays one engine task, and the signatures are
rows of ``task_cosigns`` beside it. A ``before`` signature lends the task to the
signer, who signs and hands it back; an ``after`` signature waits until the
holder completes: their values are then held on the signature and the task goes
to the signer; the engine completes the step only when the last one has signed.
A signer who refuses (不同意) gives the task back to its holder, who may change
the form and complete again. Signers are chosen like a transfer's receiver.
"""
from __future__ import annotations

from sqlalchemy import exists, select

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..identity.access import Principal
from ..identity.models import User
from ..instances.runtime import InstanceChange, changing
from ..instances.sync import close_task
from ..notifications.service import notify_users
from ..timeutil import utcnow
from .action_models import CosignPosition, CosignState, TaskCosign
from .actions import _receiver, _reload_open, _workable
from .models import DelegationState, HumanTask, TaskStatus
from .rules import clean_comment, require_valid

#: Signatures one task may ask for: enough for any real 会签 chain, a bound for a loop.
MAX_COSIGNERS = 20


def cosigns_of(task: HumanTask) -> list[TaskCosign]:
    return list(db.session.scalars(select(TaskCosign).where(TaskCosign.task_id == task.id)
                                   .order_by(TaskCosign.id)))


def signing_now(task: HumanTask) -> TaskCosign | None:
    """The signature the task waits for now, if a co-signer holds it."""
    if task.delegation_state != DelegationState.cosigning.value:
        return None
    return db.session.scalar(select(TaskCosign).where(TaskCosign.task_id == task.id,
                                                      TaskCosign.state == CosignState.signing.value))


def add_cosigner(task_id: int, p: Principal, username: str, position: str,
                 comment: str | None = None) -> TaskCosign:
    """加签 ``username`` before or after ``p``, who holds the task (claimed now if it was
    in the pool). Raises NotFound, ValidationFailed (``position``, ``signer``: not a
    receiver, or asked already), Conflict (not open, held by another, delegated)."""
    task = _workable(task_id, p)
    errors: dict = {}
    if position not in {c.value for c in CosignPosition}:
        errors["position"] = ["Must be one of: before, after."]
    comment = clean_comment(comment, errors)
    require_valid(errors, "cannot add the co-signer")
    signer = _receiver(task, username, p, "signer")
    with changing(task.instance_id, p.user_id) as change:
        change.keep_engine_state()
        task = _reload_open(task_id, p)
        rows = cosigns_of(task)
        if any(r.signer_id == signer.id and r.state == CosignState.waiting.value for r in rows):
            raise ValidationFailed("that person is asked already", {"signer": ["already_asked"]})
        if len(rows) >= MAX_COSIGNERS:
            raise ValidationFailed("too many co-signers", {"signer": ["too_many"]})
        task.assignee_id, task.claimed_at = p.user_id, task.claimed_at or utcnow()
        before = position == CosignPosition.before.value
        row = TaskCosign(task_id=task.id, owner_id=p.user_id, signer_id=signer.id, position=position,
                         state=CosignState.signing.value if before else CosignState.waiting.value)
        db.session.add(row)
        change.record("cosigner_added", task.element_id, task.id, comment=comment,
                      data={"signer": signer.username, "position": position})
        if before:  # an ``after`` signer is told when their turn comes
            _hand_to(task, row)
            notify_users([signer.id], "cosign_requested", task, p.user_id)
    return row


_WAITING = "_govflow_cosigns_waiting"
#: Read with the task under its instance's lock (instances.runtime.lock_task_instance):
#: whether ``after`` signatures wait, so that most completions need no query here.
COSIGN_FACTS = {_WAITING: exists().where(TaskCosign.task_id == HumanTask.id,
                                         TaskCosign.state == CosignState.waiting.value)}


def hold_for_signers(change: InstanceChange, task: HumanTask, p: Principal, values: dict,
                     comment: str | None) -> bool:
    """Inside ``complete_task``'s change: when ``after`` signatures wait, keep the
    holder's values for them and hand the task to the first signer; True then
    (the engine does not complete the step yet)."""
    if _WAITING in task.__dict__ and not task.__dict__[_WAITING]:
        return False
    waiting = [r for r in cosigns_of(task) if r.state == CosignState.waiting.value]
    if not waiting:
        return False
    change.keep_engine_state()
    first = waiting[0]
    first.held_values = {"variables": values, "completed_by": p.user_id}
    _hand_to(task, first)
    change.record("cosign_handed", task.element_id, task.id, comment=comment,
                  data={"variables": values, "signer": db.session.get_one(User, first.signer_id).username})
    notify_users([first.signer_id], "cosign_requested", task, p.user_id)
    return True


def sign_task(task_id: int, p: Principal, comment: str | None, agree: bool = True) -> HumanTask:
    """The co-signer signs (同意) or refuses (不同意) with their 意见 (required).

    Raises NotFound (not visible), ValidationFailed (``comment``), Conflict (the task
    does not wait for ``p``'s signature)."""
    task = _workable(task_id, p)
    errors: dict = {}
    comment = clean_comment(comment, errors, required=True)
    require_valid(errors, "a signature needs an opinion")
    with changing(task.instance_id, p.user_id) as change:
        task = db.session.scalars(select(HumanTask).where(HumanTask.id == task_id)
                                  .execution_options(populate_existing=True)).one()
        row = signing_now(task) if task.status == TaskStatus.open.value else None
        if row is None or row.signer_id != p.user_id:
            raise Conflict("the task does not wait for your signature")
        row.state = CosignState.signed.value if agree else CosignState.refused.value
        row.signed_at, row.comment = utcnow(), comment
        change.record("task_cosigned" if agree else "cosign_refused", task.element_id, task.id,
                      comment=comment, data={"position": row.position})
        if row.position == CosignPosition.before.value or not agree:
            change.keep_engine_state()
            _give_back(task, row)
            notify_users([row.owner_id], "cosigned", task, p.user_id)
            return task
        _next_after(change, task, row)
    return task


def _next_after(change: InstanceChange, task: HumanTask, signed: TaskCosign) -> None:
    """After an ``after`` signature: the next signer, or the step completes in the engine
    with the holder's values."""
    held = signed.held_values or {}
    waiting = [r for r in cosigns_of(task) if r.state == CosignState.waiting.value]
    if waiting:
        change.keep_engine_state()
        waiting[0].held_values = held
        _hand_to(task, waiting[0])
        notify_users([waiting[0].signer_id], "cosign_requested", task, change.actor_id)
        return
    values, holder = held.get("variables") or {}, held.get("completed_by") or signed.owner_id
    change.engine.complete(task.engine_task_id, values)
    change.completed_task_ids.add(task.engine_task_id)
    task.assignee_id, task.delegation_state = holder, None
    close_task(task, TaskStatus.completed, holder)
    change.record("task_completed", task.element_id, task.id, data={"variables": values, "after_cosign": True})


def _hand_to(task: HumanTask, row: TaskCosign) -> None:
    row.state = CosignState.signing.value
    task.assignee_id, task.claimed_at = row.signer_id, utcnow()
    task.delegation_state = DelegationState.cosigning.value


def _give_back(task: HumanTask, row: TaskCosign) -> None:
    """The task returns to its holder. An ``after`` signer who refused is asked again,
    with those who signed already: the holder completes anew and they sign that."""
    task.assignee_id, task.claimed_at = row.owner_id, utcnow()
    task.delegation_state = None
    if row.position == CosignPosition.after.value:
        for other in cosigns_of(task):
            if other.position == CosignPosition.after.value:
                other.state, other.held_values = CosignState.waiting.value, None
