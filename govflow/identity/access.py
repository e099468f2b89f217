"""Who may see and work which task: one rule, as a predicate and as SQL.

A task is offered to a user when one of its candidate roles is granted to the
user at the task's scope org unit or at an ancestor of it, or when the user is
its assignee or a named candidate. :func:`can_see_task` and
:func:`visible_tasks_clause` state the same rule twice — once for a loaded
task, once for list queries — and tests check that they agree.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, false, or_, select

from .models import User


@dataclass(frozen=True)
class Grant:
    role: str
    path: str  # the org unit's path; a task's scope_path starting with it is inside


@dataclass(frozen=True)
class Principal:
    """The caller as the access rules need it, loaded once per request."""
    user_id: int
    username: str
    is_admin: bool
    grants: tuple[Grant, ...]

    def has_role(self, role: str) -> bool:
        return self.is_admin or any(g.role == role for g in self.grants)

    def roles_at(self, path: str) -> set[str]:
        return {g.role for g in self.grants if path.startswith(g.path)}

    def covers(self, path: str) -> bool:
        """Whether the org unit at ``path`` lies in any of the caller's units."""
        return self.is_admin or any(path.startswith(g.path) for g in self.grants)


#: The role that makes its holder the administrator of a unit and everything below it.
ADMIN_ROLE = "admin"


def covered_clause(p: Principal, column):
    """SQL twin of :meth:`Principal.covers` over an org-path ``column``; None: no limit."""
    if p.is_admin:
        return None
    paths = {g.path for g in p.grants}
    return or_(*[path_prefix_clause(column, path) for path in sorted(paths)]) if paths else false()


def administered_paths(p: Principal) -> tuple[str, ...] | None:
    """The org paths ``p`` administers; None means everywhere (the admin flag)."""
    if p.is_admin:
        return None
    return tuple(g.path for g in p.grants if g.role == ADMIN_ROLE)


def is_administrator(p: Principal) -> bool:
    """An administrator of some unit: may enter the console, which then shows only
    what :func:`is_administrator_of` allows."""
    return p.is_admin or any(g.role == ADMIN_ROLE for g in p.grants)


def is_administrator_of(p: Principal, path: str) -> bool:
    """The one meaning of "administrator of X": the admin flag, or the ``admin`` role
    granted at the org unit at ``path`` or at one of its ancestors."""
    return p.is_admin or ADMIN_ROLE in p.roles_at(path)


def administered_clause(p: Principal, column):
    """SQL twin of :func:`is_administrator_of` over an org-path ``column``; None: no limit."""
    paths = administered_paths(p)
    if paths is None:
        return None
    return or_(*[path_prefix_clause(column, path) for path in paths]) if paths else false()


def principal_for(user: User) -> Principal:
    return Principal(user.id, user.username, user.is_admin,
                     tuple(Grant(g.role, g.org_unit.path) for g in user.grants))


def can_see_task(p: Principal, task) -> bool:
    if task.assignee_id == p.user_id or p.username in (task.candidate_users or []):
        return True
    if p.is_admin:
        return not task.is_trial
    if task.is_trial:  # offered to its starter only (instances/sync.py)
        return False
    return bool(set(task.candidate_groups or []) & p.roles_at(task.scope_path))


def can_work_task(p: Principal, task) -> bool:
    """Visible, and not held by someone else."""
    return can_see_task(p, task) and task.assignee_id in (None, p.user_id)


def ancestor_paths(path: str) -> list[str]:
    """"/1/4/9/" → ["/1/", "/1/4/", "/1/4/9/"]: the units whose grants cover ``path``."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]


def path_prefix_clause(column, prefix: str):
    """``column`` starts with ``prefix``, written as an index-friendly range."""
    return and_(column >= prefix, column < prefix + "\x7f")


def candidate_task_ids(p: Principal):
    """SELECT of open task ids offered to ``p`` as a candidate (not as assignee)."""
    from ..worklist.models import TaskCandidate
    conditions = [and_(TaskCandidate.role == g.role, path_prefix_clause(TaskCandidate.scope_path, g.path))
                  for g in p.grants]
    conditions.append(TaskCandidate.user_id == p.user_id)
    return select(TaskCandidate.task_id).where(or_(*conditions) if conditions else false())


def visible_tasks_clause(p: Principal):
    """SQL twin of :func:`can_see_task` for open tasks (lists and counts). A trial's
    task has its starter as its only candidate, so only the admin flag needs telling."""
    from ..worklist.models import HumanTask
    mine = or_(HumanTask.assignee_id == p.user_id, HumanTask.id.in_(candidate_task_ids(p)))
    if p.is_admin:
        return or_(HumanTask.is_trial.is_(False), mine)
    return mine
