"""The staff worklists: which tasks a list holds, filters, search, sort, paging, lights.

Every list is built on the jurisdiction rule's SQL twin
(:func:`~govflow.identity.access.visible_tasks_clause`,
:func:`~govflow.identity.access.candidate_task_ids`) or on rows that name the
user (assignee, completer, copy), so a list can never show what the task page
would refuse.
"""
from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, bindparam, cast, func, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import defer

from ..extensions import db
from ..identity.access import Principal, candidate_task_ids, path_prefix_clause, visible_tasks_clause
from ..identity.models import OrgUnit
from ..instances.models import ProcessInstance
from ..timeutil import utcnow
from .action_models import TaskCopy
from .models import HumanTask, TaskCandidate, TaskStatus

#: 我的待办, 待认领, 已办, 逾期, 抄送我的, 我发起的 (the open steps of the cases the user
#: started): the pages' lists.
LISTS = ("mine", "candidate", "done", "overdue", "copied", "started")
#: The API's lists: the pages' ones and every open task offered to the caller (``all``).
API_LISTS = ("mine", "candidate", "all", "done", "copied", "overdue", "started")
SORTS = ("due", "due_desc", "priority", "newest")


@dataclass
class TaskFilter:
    which: str = "mine"
    process_key: str | None = None
    #: Path of an org unit: tasks scoped to it or below.
    org_path: str | None = None
    instance_id: int | None = None
    assignee_id: int | None = None
    #: A candidate role (camunda:candidateGroups) of the task.
    candidate_group: str | None = None
    #: Naive UTC: tasks due at or before this instant.
    due_by: datetime | None = None
    q: str | None = None
    sort: str = "due"
    page: int = 1
    page_size: int = 20


@dataclass
class Page:
    rows: list
    total: int
    page: int
    pages: int


def _base(p: Principal, which: str, now: datetime):
    open_ = HumanTask.status == TaskStatus.open.value
    query = select(HumanTask)
    if which == "mine":
        return query.where(open_, HumanTask.assignee_id == p.user_id)
    if which == "candidate":
        return query.where(open_, HumanTask.assignee_id.is_(None), HumanTask.id.in_(candidate_task_ids(p)))
    if which == "done":
        return query.where(HumanTask.status == TaskStatus.completed.value, HumanTask.completed_by_id == p.user_id)
    if which == "overdue":
        return query.where(open_, HumanTask.due_at < now, visible_tasks_clause(p))
    if which == "copied":
        return query.join(TaskCopy, TaskCopy.task_id == HumanTask.id).where(TaskCopy.user_id == p.user_id)
    if which == "all":
        return query.where(open_, visible_tasks_clause(p))
    if which == "started":
        # Only the steps the starter may read: a list never shows what the task page refuses.
        started = select(ProcessInstance.id).where(ProcessInstance.started_by_id == p.user_id)
        return query.where(open_, HumanTask.instance_id.in_(started), visible_tasks_clause(p))
    raise ValueError(f"unknown list '{which}'")


def _search(query, text: str):
    text = text.strip()[:100]
    # Variables are stored as JSON text, where non-ASCII may be \\u-escaped.
    escaped = json.dumps(text)[1:-1]
    in_variables = select(ProcessInstance.id).where(or_(
        cast(ProcessInstance.variables, Text).contains(text, autoescape=True),
        cast(ProcessInstance.variables, Text).contains(escaped, autoescape=True)))
    return query.where(or_(HumanTask.business_key.contains(text, autoescape=True),
                           HumanTask.title.contains(text, autoescape=True),
                           HumanTask.name.contains(text, autoescape=True),
                           HumanTask.instance_id.in_(in_variables)))


def _order(query, which: str, sort: str):
    due_last = HumanTask.due_at.is_(None)
    if which == "done" and sort == "due":
        return query.order_by(HumanTask.completed_at.desc(), HumanTask.id.desc())
    if which == "copied" and sort == "due":
        return query.order_by(TaskCopy.created_at.desc(), HumanTask.id.desc())
    orders = {
        "due": (due_last, HumanTask.due_at, HumanTask.id),
        "due_desc": (due_last, HumanTask.due_at.desc(), HumanTask.id.desc()),
        "priority": (HumanTask.priority.desc(), due_last, HumanTask.due_at, HumanTask.id),
        "newest": (HumanTask.created_at.desc(), HumanTask.id.desc()),
    }
    return query.order_by(*orders.get(sort, orders["due"]))


def _filtered(p: Principal, f: TaskFilter):
    query = _base(p, f.which, utcnow())
    if f.process_key:
        query = query.where(HumanTask.process_key == f.process_key)
    if f.instance_id:
        query = query.where(HumanTask.instance_id == f.instance_id)
    if f.assignee_id:
        query = query.where(HumanTask.assignee_id == f.assignee_id)
    if f.candidate_group:
        query = query.where(HumanTask.id.in_(select(TaskCandidate.task_id).where(
            TaskCandidate.role == f.candidate_group)))
    if f.org_path:
        query = query.where(path_prefix_clause(HumanTask.scope_path, f.org_path))
    if f.due_by is not None:
        query = query.where(HumanTask.due_at <= f.due_by)
    if f.q and f.q.strip():
        query = _search(query, f.q)
    return query


def search_tasks(p: Principal, f: TaskFilter) -> Page:
    """One page of a list, by page number (the staff pages)."""
    query = _filtered(p, f)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / f.page_size))
    page = min(max(1, f.page), pages)
    rows = db.session.scalars(_order(query, f.which, f.sort)
                              .limit(f.page_size).offset((page - 1) * f.page_size)).all()
    return Page(list(rows), total, page, pages)


def list_tasks(p: Principal, which: str = "all", limit: int = 50, offset: int = 0,
               process_key: str | None = None, instance_id: int | None = None, *,
               assignee_id: int | None = None, candidate_group: str | None = None) -> tuple[list[HumanTask], int]:
    """``(tasks, total)`` of the list ``which`` (one of API_LISTS), by offset: the same
    query as the pages'. The tasks come without their form fields (read when asked for).
    The doors list with list_task_rows."""
    count, tasks, _rows = _statements(p, which, process_key, instance_id, assignee_id, candidate_group)
    return list(db.session.scalars(tasks, {"_limit": limit, "_offset": offset}).all()), db.session.scalar(count) or 0


def list_task_rows(p: Principal, which: str = "all", limit: int = 50, offset: int = 0,
                   process_key: str | None = None, instance_id: int | None = None, *,
                   assignee_id: int | None = None, candidate_group: str | None = None) -> tuple[list, int]:
    """list_tasks as read-only rows, for the REST doors' lists: every column of a task
    (as attributes named as HumanTask's) but its form fields. Fifty ORM objects made
    for a page that is only read cost a quarter of the read's CPU."""
    count, _tasks, rows = _statements(p, which, process_key, instance_id, assignee_id, candidate_group)
    return list(db.session.execute(rows, {"_limit": limit, "_offset": offset}).all()), db.session.scalar(count) or 0


#: A task's columns as a list shows them: all but the form fields.
_LIST_COLUMNS = tuple(getattr(HumanTask, column.key) for column in sa_inspect(HumanTask).column_attrs
                      if column.key != "form_fields")


def _filtered_statements(p: Principal, which: str, process_key, instance_id, assignee_id, candidate_group):
    """(count, tasks, rows): the list's statements, the tasks as objects and as rows."""
    query = _filtered(p, TaskFilter(which=which, process_key=process_key, instance_id=instance_id,
                                    assignee_id=assignee_id, candidate_group=candidate_group))
    page = _order(query, which, "due").limit(bindparam("_limit")).offset(bindparam("_offset"))
    return (select(func.count()).select_from(query.subquery()), page.options(defer(HumanTask.form_fields)),
            page.with_only_columns(*_LIST_COLUMNS, maintain_column_froms=True))


def _statements(p: Principal, which: str, *filters):
    # ``overdue`` names the time: built anew at every call.
    return (_filtered_statements if which == "overdue" else _list_statements)(p, which, *filters)


#: The API's list statements by (caller, filter): an integrator polls the same list
#: again and again, and building the jurisdiction clause and the statement's cache key
#: cost more than running it. The caller's grants are part of the key, so a changed
#: grant is a new entry.
_list_statements = functools.lru_cache(maxsize=512)(_filtered_statements)


def count_lists(p: Principal) -> dict[str, int]:
    """Counts for the navigation: open work, overdue work and unread copies."""
    now = utcnow()
    counts = {}
    for which in ("mine", "candidate", "overdue"):
        counts[which] = db.session.scalar(select(func.count()).select_from(_base(p, which, now).subquery())) or 0
    counts["copied"] = db.session.scalar(select(func.count(TaskCopy.id)).where(
        TaskCopy.user_id == p.user_id, TaskCopy.read_at.is_(None))) or 0
    return counts


def deadline_light(task: HumanTask, now: datetime, yellow_at: float) -> str | None:
    """``green``, ``yellow`` (``yellow_at`` of the allowed time used) or ``red`` (overdue).

    None when the task has no deadline or is no longer open.
    """
    if task.due_at is None or task.status != TaskStatus.open.value:
        return None
    if now >= task.due_at:
        return "red"
    allowed = (task.due_at - task.created_at).total_seconds()
    used = (now - task.created_at).total_seconds()
    return "yellow" if allowed <= 0 or used >= yellow_at * allowed else "green"


def org_units_for(p: Principal) -> list[OrgUnit]:
    """The org units a user may filter by: those of their grants and everything below."""
    query = select(OrgUnit)
    if not p.is_admin:
        paths = {g.path for g in p.grants}
        if not paths:
            return []
        query = query.where(or_(*[path_prefix_clause(OrgUnit.path, x) for x in paths]))
    return list(db.session.scalars(query.order_by(OrgUnit.path).limit(300)))


def first_open_task(p: Principal, instance_id: int) -> HumanTask | None:
    """The first open task of an instance offered to ``p`` (after starting it, say)."""
    return db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.status == TaskStatus.open.value,
        visible_tasks_clause(p)).order_by(HumanTask.id).limit(1)).first()
