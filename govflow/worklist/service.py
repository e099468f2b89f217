"""Working human tasks: claim, unclaim, complete, and the lists."""
from __future__ import annotations

from sqlalchemy import func, select

from ..errors import Conflict, NotFound
from ..database import ensure_write_transaction, is_postgres
from ..extensions import db
from ..forms.validation import validate_submission
from ..identity.access import Principal, can_see_task, candidate_task_ids, visible_tasks_clause
from ..instances.models import ProcessInstance
from ..instances.runtime import changing
from ..instances.sync import close_task
from ..timeutil import utcnow
from .models import HumanTask, TaskStatus


def get_visible_task(task_id: int, p: Principal, for_change: bool = True) -> HumanTask:
    """The task, if ``p`` may see it; otherwise NotFound (never reveal existence)."""
    if for_change:
        ensure_write_transaction()
        # With the instance's version as of this read: _reload skips its second read
        # when the instance is unchanged once locked.
        row = db.session.execute(select(HumanTask, ProcessInstance.lock_version)
                                 .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                                 .where(HumanTask.id == task_id).execution_options(populate_existing=True)).first()
        task = row[0] if row else None
        if task is not None:
            task.__dict__[_SEEN_VERSION] = row[1]
    else:
        task = db.session.get(HumanTask, task_id)
    if task is None or not can_see_task(p, task):
        raise NotFound(f"task {task_id} does not exist")
    return task


_SEEN_VERSION = "_govflow_instance_version"


def _reload(task_id: int, instance) -> HumanTask:
    """The task as committed now that the instance is locked.

    On PostgreSQL the first read happened before ``FOR UPDATE`` and may be stale,
    unless the locked instance still has the version read with the task: every
    change of a task row happens inside ``changing()``, which bumps it. SQLite write
    transactions began IMMEDIATE, so that read is already current.
    """
    task = db.session.get(HumanTask, task_id)
    if not is_postgres() or (task is not None and task.__dict__.get(_SEEN_VERSION) == instance.lock_version):
        return task
    return db.session.scalars(select(HumanTask).where(HumanTask.id == task_id)
                              .execution_options(populate_existing=True)).one()


def claim_task(task_id: int, p: Principal) -> HumanTask:
    task = get_visible_task(task_id, p)
    with changing(task.instance_id, p.user_id) as change:
        change.skip_engine, change.state_dirty = True, False
        task = _reload(task_id, change.instance)
        _require_open(task)
        if task.assignee_id not in (None, p.user_id):
            raise Conflict("the task is claimed by someone else")
        task.assignee_id, task.claimed_at = p.user_id, utcnow()
        change.record("task_claimed", task.element_id, task.id)
    return task


def unclaim_task(task_id: int, p: Principal) -> HumanTask:
    task = get_visible_task(task_id, p)
    with changing(task.instance_id, p.user_id) as change:
        change.skip_engine, change.state_dirty = True, False
        task = _reload(task_id, change.instance)
        _require_open(task)
        if task.assignee_id != p.user_id and not p.is_admin:
            raise Conflict("only the assignee can give the task back")
        task.assignee_id, task.claimed_at = None, None
        change.record("task_unclaimed", task.element_id, task.id)
    return task


def complete_task(task_id: int, p: Principal, variables: dict, comment: str | None = None) -> HumanTask:
    """Complete with the submitted form values; a candidate need not claim first.

    Raises NotFound (not visible), Conflict (done already, held by another,
    instance not active) or ValidationFailed (per form field).
    """
    task = get_visible_task(task_id, p)
    with changing(task.instance_id, p.user_id) as change:
        task = _reload(task_id, change.instance)
        _require_open(task)
        if task.assignee_id not in (None, p.user_id):
            raise Conflict("the task is claimed by someone else")
        data = validate_submission(task.form_key, task.form_fields, variables or {})
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


def list_tasks(p: Principal, which: str = "all", limit: int = 50, offset: int = 0,
               process_key: str | None = None, instance_id: int | None = None):
    """Open tasks for ``p``: ``mine`` (assigned), ``candidate`` (unclaimed, offered) or ``all``."""
    query = select(HumanTask).where(HumanTask.status == TaskStatus.open.value)
    if which == "mine":
        query = query.where(HumanTask.assignee_id == p.user_id)
    elif which == "candidate":
        query = query.where(HumanTask.assignee_id.is_(None), HumanTask.id.in_(candidate_task_ids(p)))
    else:
        query = query.where(visible_tasks_clause(p))
    if process_key:
        query = query.where(HumanTask.process_key == process_key)
    if instance_id:
        query = query.where(HumanTask.instance_id == instance_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at,
                                             HumanTask.id).limit(limit).offset(offset)).all()
    return rows, total
