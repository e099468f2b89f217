"""Administrative operations on a running instance beyond its life cycle.

- :func:`move_to_step`: an administrator returns an instance to an earlier step
  (退回), e.g. when a department's result was accepted by mistake;
- :func:`task_variables`: the data one open task sees, including what belongs
  to that task alone (the item of a multi-instance task, the branch-local
  values of a parallel path), which the instance's merged variables cannot show.

The callers (views, commands) check that the actor may administer the instance;
these functions know nothing about HTTP or principals.
"""
from __future__ import annotations

from sqlalchemy import select

from .. import engine
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..timeutil import utcnow
from ..worklist.models import HumanTask, TaskStatus
from .models import Incident, InstanceStatus, ProcessInstance
from .runtime import changing, read_engine
from .sync import json_safe

#: Statuses an instance may be moved back from: running, with or without an incident.
_MOVABLE = {InstanceStatus.active.value, InstanceStatus.error.value}


def move_to_step(instance_id: int, element_id: str, actor_id: int | None, reason: str | None) -> ProcessInstance:
    """Return the instance to the latest completed run of ``element_id`` (退回).

    Goes through the one change path: the engine is reset to that step and run,
    open human tasks that no longer exist are cancelled by the sync, incidents of
    removed steps are resolved, and an ``instance_moved`` event records the
    reason and the steps that were open before.

    Raises ValidationFailed (no reason), NotFound (no such instance, or the
    process has no element ``element_id``) or Conflict (the instance is not
    running, or the element has not run in it yet).
    """
    if reason is None or not reason.strip():
        raise ValidationFailed("a reason is required to move an instance back",
                               {"reason": ["say why the instance goes back"]})
    current = db.session.get(ProcessInstance, instance_id)
    if current is None:
        raise NotFound(f"process instance {instance_id} does not exist")
    if current.status not in _MOVABLE:
        raise Conflict(f"process instance {instance_id} is {current.status}; only a running instance "
                       "can be moved back")
    with changing(instance_id, actor_id) as change:
        runner = change.engine
        if element_id not in runner.element_ids():
            raise NotFound(f"process '{change.instance.process_key}' has no element '{element_id}'",
                           {"element_id": [f"unknown element '{element_id}'"]})
        open_before = sorted(runner.active_element_ids())
        try:
            removed = set(runner.reset_to(element_id))
        except engine.EngineError as exc:
            raise Conflict(f"cannot move process instance {instance_id} back to '{element_id}': {exc}",
                           {"element_id": [f"'{element_id}' has not run yet"]}) from exc
        for incident in db.session.scalars(select(Incident).where(
                Incident.instance_id == instance_id, Incident.resolved_at.is_(None))):
            if incident.engine_task_id in removed:
                incident.resolved_at = utcnow()
        change.record("instance_moved", element_id, comment=reason.strip(),
                      data={"to": element_id, "open_before": open_before})
    return change.instance


def task_variables(task_id: int) -> dict:
    """The data an open human task sees, as JSON-safe values.

    Unlike ``ProcessInstance.variables`` (one merged set per instance) this is the
    task's own copy: each instance of a multi-instance task holds its item, and
    parallel branches may hold different values under one name. Loads the
    instance's engine state, so it serves one task's page, never a list.

    Raises NotFound when the task does not exist or is no longer open.
    """
    task = db.session.get(HumanTask, task_id)
    if task is None or task.status != TaskStatus.open.value:
        raise NotFound(f"task {task_id} is not open")
    instance = db.session.get_one(ProcessInstance, task.instance_id)
    try:
        return json_safe(dict(read_engine(instance).task_data(task.engine_task_id)))
    except engine.EngineError as exc:
        raise NotFound(f"task {task_id} is not open") from exc
