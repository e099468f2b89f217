"""A case's history as people read it, and the use cases that show it to a reader.

The same rows feed the task page, ``/api/v1`` and ``/engine-rest``: audit events
people care about, with who and why, never the values of variables (those stay
behind the form, where the reader's rights and masking apply).
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from ..extensions import db
from ..identity.access import Principal
from ..identity.models import User
from ..instances.models import InstanceEvent
from ..instances.service import get_readable_instance
from .actions import get_readable_task
from .models import HumanTask

#: Audit events people care about on the page; engine bookkeeping is left out.
_SHOWN = {"instance_started", "task_claimed", "task_unclaimed", "task_completed", "task_transferred",
          "task_delegated", "task_resolved", "task_copied", "task_urged", "attachment_added",
          "instance_moved", "instance_completed", "instance_suspended", "instance_resumed",
          "instance_terminated", "incident", "incident_retried", "message_received", "task_created", "task_commented",
          "cosigner_added", "cosign_handed", "task_cosigned", "cosign_refused", "task_withdrawn"}




def task_history(p: Principal, task_id: int) -> tuple[HumanTask, list[dict]]:
    """The task (readable by ``p``: jurisdiction or a copy; NotFound otherwise) and its events."""
    task, _copy = get_readable_task(task_id, p)
    return task, history(task.instance_id, _steps(task.instance_id), task_id=task.id)


def instance_history(p: Principal, instance_id: int) -> list[dict]:
    """The events of an instance in ``p``'s jurisdiction (NotFound otherwise)."""
    instance = get_readable_instance(p, instance_id)
    return history(instance.id, _steps(instance.id))


def _steps(instance_id: int) -> list[HumanTask]:
    return list(db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)
                                   .order_by(HumanTask.id)))


def history(instance_id: int, steps: Sequence[HumanTask], task_id: int | None = None) -> list[dict]:
    """The instance's audit trail as people read it: when, who, what, at which step, why
    (of one task with ``task_id``). Variables' values are never part of it."""
    names: dict[int | None, str] = {t.id: t.name for t in steps}
    element_names = {t.element_id: t.name for t in steps}
    query = select(InstanceEvent).where(InstanceEvent.instance_id == instance_id, InstanceEvent.kind.in_(_SHOWN))
    if task_id is not None:
        query = query.where(InstanceEvent.task_id == task_id)
    rows = db.session.scalars(query.order_by(InstanceEvent.id)).all()
    people = _display_names({u for e in rows for u in _usernames(e)})
    out = []
    for e in rows:
        data = e.data or {}
        step = names.get(e.task_id) or element_names.get(e.element_id or "", e.element_id or "")
        detail = ", ".join(people.get(u, u) for u in _usernames(e))
        if e.kind == "instance_moved":  # 退回: from the steps open then, to the chosen one
            step = ", ".join(element_names.get(x, x) for x in data.get("open_before") or [])
            detail = element_names.get(data.get("to") or "", data.get("to") or "")
        elif e.kind == "attachment_added":
            detail = data.get("filename", "")
        out.append({"id": e.id, "task_id": e.task_id, "at": e.at, "actor_id": e.actor_id, "kind": e.kind, "step": step,
                    "detail": detail, "comment": e.comment, "upload": data.get("upload")})
    return out


def _usernames(event) -> list[str]:
    data = event.data or {}
    if event.kind == "task_transferred":
        return [data.get("to", "")]
    if event.kind == "task_delegated":
        return [data.get("delegate", "")]
    if event.kind in ("cosigner_added", "cosign_handed"):
        return [data.get("signer", "")]
    if event.kind == "task_copied":
        return list(data.get("to") or [])
    return []


def _display_names(usernames: set[str]) -> dict[str, str]:
    if not usernames:
        return {}
    return {u.username: u.display_name or u.username
            for u in db.session.scalars(select(User).where(User.username.in_(usernames)))}


def last_entered_values(instance_id: int, element_id: str) -> dict:
    """What was entered the last time ``element_id`` was completed in the instance (a
    step done again after 退回 or 撤回 starts from it); {} when it never was."""
    data = db.session.scalar(select(InstanceEvent.data).where(
        InstanceEvent.instance_id == instance_id, InstanceEvent.element_id == element_id,
        InstanceEvent.kind.in_(("task_completed", "cosign_handed"))).order_by(InstanceEvent.id.desc()).limit(1))
    values = (data or {}).get("variables")
    return values if isinstance(values, dict) else {}


def instance_steps(p: Principal, instance_id: int) -> list[HumanTask]:
    """Every step (open, completed, cancelled) of an instance in ``p``'s jurisdiction."""
    return _steps(get_readable_instance(p, instance_id).id)
