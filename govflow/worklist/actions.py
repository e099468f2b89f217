"""What a staff member does with a task beyond claim and complete.

转办 (transfer), 委派 (delegate and resolve back), 退回 (return to an earlier
step), 抄送 (copy), 催办 (urge), attachments, and completing with 审批意见.
Every action goes through the one change path (``changing``) and records an
audit event; the people concerned are notified in the same transaction.

Who may do what:

* reading a task: the jurisdiction rule (``can_see_task``) or a copy sent to
  the reader, which grants reading only;
* working it (complete, transfer, delegate, return, attach): ``can_work_task``,
  and not while it is delegated — then the delegate may only resolve it;
* receiving it (transfer, delegate, copy): someone whose units lie on the
  task's line of jurisdiction — at, above or below its scope — so a case never
  leaves its grid sideways.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select, update

from ..attachments.service import UploadTarget, get_upload, store_upload
from ..database import ensure_write_transaction, writing
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..identity.access import Principal, ancestor_paths, can_see_task, can_work_task, path_prefix_clause
from ..identity.models import OrgUnit, RoleGrant, User
from ..instances.models import InstanceEvent, ProcessInstance
from ..instances.operations import move_to_step
from ..instances.runtime import changing, read_engine
from ..notifications.service import notify_audience, notify_users
from ..timeutil import utcnow
from .action_models import TaskCopy, TaskDelegation
from .models import DelegationState, HumanTask, TaskStatus
from .rules import REQUIRED, clean_comment, require_not_delegated, require_valid

#: A user urges the same case at most once in this period.
URGE_INTERVAL = timedelta(minutes=10)


# -- reading ----------------------------------------------------------------
def get_readable_task(task_id: int, p: Principal) -> tuple[HumanTask, TaskCopy | None]:
    """The task and, when ``p`` reads it only through a copy, that copy.

    Raises NotFound when neither the jurisdiction rule nor a copy lets ``p`` see it.
    """
    task = db.session.get(HumanTask, task_id)
    if task is not None and can_see_task(p, task):
        return task, None
    copy = None if task is None else db.session.scalar(select(TaskCopy).where(
        TaskCopy.task_id == task.id, TaskCopy.user_id == p.user_id))
    if task is None or copy is None:
        raise NotFound(f"task {task_id} does not exist")
    return task, copy


def get_readable_upload(upload_id: str, p: Principal):
    """An upload ``p`` may open: their own, or one of a case they may read a task of.

    Raises NotFound otherwise (as for tasks, existence is not revealed).
    """
    upload = get_upload(upload_id)
    if upload.uploaded_by_id == p.user_id:
        return upload
    if upload.instance_id is not None:
        tasks = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == upload.instance_id)).all()
        if any(can_see_task(p, t) for t in tasks) or db.session.scalar(select(TaskCopy.id).where(
                TaskCopy.instance_id == upload.instance_id, TaskCopy.user_id == p.user_id).limit(1)):
            return upload
    raise NotFound("no such file")


def pending_delegation(task: HumanTask) -> TaskDelegation | None:
    """The delegation (owner, delegate) of a delegated task, else None."""
    if not task.is_delegated:
        return None
    return db.session.scalar(select(TaskDelegation).where(
        TaskDelegation.task_id == task.id, TaskDelegation.resolved_at.is_(None)))


def returnable_steps(task: HumanTask) -> list[tuple[str, str]]:
    """Earlier steps of the instance that people completed and the engine can go back
    to: (element id, name), oldest first. A step inside a sub-process that has ended
    (a department's 办理 once all departments reported) is not offered."""
    rows = db.session.execute(select(HumanTask.element_id, HumanTask.name).where(
        HumanTask.instance_id == task.instance_id, HumanTask.status == TaskStatus.completed.value,
        HumanTask.element_id != task.element_id).order_by(HumanTask.completed_at, HumanTask.id)).all()
    if not rows:
        return []
    runs = read_engine(db.session.get_one(ProcessInstance, task.instance_id)).completed_runs()
    return list(dict.fromkeys((r.element_id, r.name) for r in rows if r.element_id in runs))


def jurisdiction_line(scope_path: str):
    """SQL: org units at, above or below ``scope_path``."""
    return or_(OrgUnit.path.in_(ancestor_paths(scope_path)), path_prefix_clause(OrgUnit.path, scope_path))


#: Roles whose holders are not staff of a unit: a resident party member, and the people
#: who run the platform. Their grants never make anyone a receiver.
NOT_RECEIVING_ROLES = ("party_member", "admin", "designer")


def _receiving_grant(task: HumanTask):
    """A staff grant on the task's line of jurisdiction (the rule of ``possible_receivers``
    and ``_receiver`` both)."""
    return jurisdiction_line(task.scope_path) & RoleGrant.role.notin_(NOT_RECEIVING_ROLES)


def possible_receivers(task: HumanTask, p: Principal, limit: int = 200) -> list[User]:
    """Active staff who may receive ``task`` (transfer, delegate, copy), without ``p``;
    those of the units nearest the task's scope first."""
    depth = func.max(func.length(OrgUnit.path)).label("depth")
    nearest = select(RoleGrant.user_id, depth).join(OrgUnit, RoleGrant.org_unit_id == OrgUnit.id) \
        .where(_receiving_grant(task)).group_by(RoleGrant.user_id).subquery()
    return list(db.session.scalars(select(User).join(nearest, nearest.c.user_id == User.id).where(
        User.id != p.user_id, User.is_active_user.is_(True))
        .order_by(nearest.c.depth.desc(), User.username).limit(limit)))


def _receiver(task: HumanTask, username: str, p: Principal, field: str) -> User:
    """The user named ``username`` if they may receive ``task``; else ValidationFailed on ``field``.
    Nobody receives a step of a designer's trial run: it stays the designer's."""
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    on_line = user is not None and not task.is_trial and db.session.scalar(
        select(RoleGrant.id).join(OrgUnit, RoleGrant.org_unit_id == OrgUnit.id)
        .where(RoleGrant.user_id == user.id, _receiving_grant(task)).limit(1)) is not None
    if not on_line or user is None or user.id == p.user_id or not user.is_active:
        raise ValidationFailed("that person cannot receive this task", {field: ["not_receivable"]})
    return user


# -- working ----------------------------------------------------------------
def _workable(task_id: int, p: Principal) -> HumanTask:
    task = db.session.get(HumanTask, task_id)
    if task is None or not can_see_task(p, task):
        raise NotFound(f"task {task_id} does not exist")
    return task


def _reload_open(task_id: int, p: Principal) -> HumanTask:
    """Inside ``changing``: the task as of the lock, open, workable by ``p``, not delegated."""
    task = db.session.scalars(select(HumanTask).where(HumanTask.id == task_id)
                              .execution_options(populate_existing=True)).one()
    if task.status != TaskStatus.open.value:
        raise Conflict(f"the task is {task.status} already")
    if not can_work_task(p, task):
        raise Conflict("the task is claimed by someone else")
    require_not_delegated(task)
    return task


def transfer_task(task_id: int, p: Principal, username: str, comment: str | None = None) -> HumanTask:
    """转办: the task now belongs to ``username``, for good."""
    task = _workable(task_id, p)
    comment = _comment(comment)
    target = _receiver(task, username, p, "assignee")
    with changing(task.instance_id, p.user_id) as change:
        change.keep_engine_state()
        task = _reload_open(task_id, p)
        task.assignee_id, task.claimed_at = target.id, utcnow()
        change.record("task_transferred", task.element_id, task.id, comment=comment,
                      data={"from": p.username, "to": target.username})
        notify_users([target.id], "task_transferred", task, p.user_id)
    return task


def delegate_task(task_id: int, p: Principal, username: str, comment: str | None = None) -> HumanTask:
    """委派: ``username`` works on it and resolves it back; ``p`` stays its owner."""
    task = _workable(task_id, p)
    comment = _comment(comment)
    target = _receiver(task, username, p, "delegate")
    with changing(task.instance_id, p.user_id) as change:
        change.keep_engine_state()
        task = _reload_open(task_id, p)
        db.session.add(TaskDelegation(task_id=task.id, owner_id=p.user_id, delegate_id=target.id))
        task.delegation_state = DelegationState.pending.value
        task.assignee_id, task.claimed_at = target.id, utcnow()
        change.record("task_delegated", task.element_id, task.id, comment=comment,
                      data={"owner": p.username, "delegate": target.username})
        notify_users([target.id], "task_delegated", task, p.user_id)
    return task


def resolve_task(task_id: int, p: Principal, comment: str | None) -> HumanTask:
    """The delegate hands the task back to its owner, with their 意见 (required)."""
    task = _workable(task_id, p)
    comment = _comment(comment, required=True)
    with changing(task.instance_id, p.user_id) as change:
        change.keep_engine_state()
        task = db.session.scalars(select(HumanTask).where(HumanTask.id == task_id)
                                  .execution_options(populate_existing=True)).one()
        delegation = pending_delegation(task)
        if task.status != TaskStatus.open.value or delegation is None or delegation.delegate_id != p.user_id:
            raise Conflict("the task is not delegated to you")
        delegation.resolved_at = utcnow()
        task.delegation_state = DelegationState.resolved.value
        task.assignee_id, task.claimed_at = delegation.owner_id, utcnow()
        change.record("task_resolved", task.element_id, task.id, comment=comment,
                      data={"owner_id": delegation.owner_id})
        notify_users([delegation.owner_id], "task_resolved", task, p.user_id)
    return task


def return_task(task_id: int, p: Principal, element_id: str, reason: str | None) -> ProcessInstance:
    """退回: the instance goes back to an earlier step that people completed.

    Uses the instances' own move-back operation (one change path); the step's
    new task is offered as it was the first time, and its people are notified.
    """
    task = _workable(task_id, p)
    errors: dict = {}
    if element_id not in {e for e, _ in returnable_steps(task)}:
        errors["step"] = ["not_returnable"]
    reason = clean_comment(reason, errors, required=True)
    require_valid(errors, "cannot return the task")
    if task.status != TaskStatus.open.value:
        raise Conflict(f"the task is {task.status} already")
    if not can_work_task(p, task):
        raise Conflict("the task is claimed by someone else")
    require_not_delegated(task)
    return move_to_step(task.instance_id, element_id, p.user_id, reason)


def copy_task(task_id: int, p: Principal, usernames: list[str], comment: str | None = None) -> list[User]:
    """抄送: each user finds the task in 抄送我的 and may read it. Returns who was added."""
    task = _workable(task_id, p)
    comment = _comment(comment)
    names = [u for u in dict.fromkeys(n.strip() for n in usernames or [] if isinstance(n, str)) if u][:50]
    if not names:
        raise ValidationFailed("choose whom to copy", {"users": [REQUIRED]})
    targets = [_receiver(task, name, p, "users") for name in names]
    with changing(task.instance_id, p.user_id, require_active=False) as change:
        change.keep_engine_state()
        have = set(db.session.scalars(select(TaskCopy.user_id).where(TaskCopy.task_id == task.id)))
        added = [u for u in targets if u.id not in have]
        for user in added:
            db.session.add(TaskCopy(task_id=task.id, instance_id=task.instance_id, user_id=user.id,
                                    copied_by_id=p.user_id))
        change.record("task_copied", task.element_id, task.id, comment=comment,
                      data={"to": [u.username for u in added]})
        notify_users([u.id for u in added], "copied", task, p.user_id)
    return added


def urge_task(task_id: int, p: Principal, comment: str | None = None) -> int:
    """催办: remind the people of the instance's open steps that ``p`` cannot work
    themselves; returns how many were told.

    Anyone who may read the task may urge; once per case per ``URGE_INTERVAL``.
    """
    task, _copy = get_readable_task(task_id, p)
    comment = _comment(comment)
    recent = db.session.scalar(select(InstanceEvent.id).where(
        InstanceEvent.instance_id == task.instance_id, InstanceEvent.kind == "task_urged",
        InstanceEvent.actor_id == p.user_id, InstanceEvent.at > utcnow() - URGE_INTERVAL).limit(1))
    if recent is not None:
        raise Conflict("you urged this case a moment ago")
    told = 0
    with changing(task.instance_id, p.user_id) as change:
        change.keep_engine_state()
        targets = db.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == task.instance_id, HumanTask.status == TaskStatus.open.value)).all()
        targets = [t for t in targets if not can_work_task(p, t)]
        if not targets:
            raise Conflict("nothing in this case is waiting for someone else")
        for target in targets:
            told += notify_audience("urged", target, p.user_id)
            change.record("task_urged", target.element_id, target.id, comment=comment)
    return told


def attach_file(task_id: int, p: Principal, stream, filename: str, upload_dir: str, max_bytes: int):
    """Store a file and attach it to the task's case; returns the Upload.

    Raises NotFound, Conflict (instance not running) or ValidationFailed
    (``file``: empty, too large, not a photo or PDF).
    """
    task = _workable(task_id, p)
    with changing(task.instance_id, p.user_id) as change:
        change.keep_engine_state()
        upload = store_upload(stream, filename, UploadTarget("attachment", p.user_id, task.instance_id, task.id),
                              upload_dir, max_bytes)
        change.record("attachment_added", task.element_id, task.id,
                      data={"upload": upload.id, "filename": upload.filename})
    return upload


def mark_copy_read(copy: TaskCopy) -> None:
    """Opening a copied task reads it. Called on a GET, so it asks for a write transaction."""
    if copy.read_at is not None:
        return
    with writing():
        ensure_write_transaction()
        db.session.execute(update(TaskCopy).where(TaskCopy.id == copy.id, TaskCopy.read_at.is_(None))
                           .values(read_at=utcnow()))


def _comment(comment: str | None, *, required: bool = False) -> str | None:
    errors: dict = {}
    comment = clean_comment(comment, errors, required=required)
    require_valid(errors, "the comment is not acceptable")
    return comment
