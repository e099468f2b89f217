"""Asynchronous continuations: ``camunda:asyncBefore`` and ``camunda:asyncAfter``.

In Camunda each marks a transaction boundary: the step so far commits, and a job the
job executor picks up continues from there. Here the step stops at the boundary with
the element's engine task *held* (STARTED, like an external task, so SpiffWorkflow
neither runs nor re-readies it); the instance's next-timer column is set to now, so
the worker (``govflow/worker.py``) steps it in its own transaction, which continues
every held task. ``camunda:exclusive`` needs nothing: the worker steps an instance
under its row lock, so two continuations of one instance never run at once.

``asyncAfter`` is a boundary before each element its outgoing flows lead to. Catch
events and event-based gateways need no boundary: the step already commits there. A
boundary before an embedded subprocess lies before its start event. User and receive
tasks and call activities are held *before they become ready* (their ``_update_hook``,
since a user task's ``_run`` is its completion): the task appears, the message is
awaited, the called process starts only in the worker's transaction.
"""
from __future__ import annotations

from collections.abc import Iterable

from lxml import etree
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import ReceiveTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.util.task import TaskState

_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
#: A held task waits for the worker; a continued one runs when next READY.
HELD, CONTINUED = "async_held", "async_continued"
_WAITING_ANYWAY = {"intermediateCatchEvent", "eventBasedGateway"}
_SCOPES = {"subProcess", "transaction"}


def boundaries(roots: Iterable[etree._Element]) -> list[str]:
    """Ids of the elements before which a step commits and the worker continues."""
    held: set[str] = set()
    for root in roots:
        by_id = {el.get("id"): el for el in root.iter(f"{_BPMN}*") if el.get("id")}
        for el in by_id.values():
            if _is_true(el.get(_CAMUNDA + "asyncBefore")):
                held.update(_entry_points(el))
            if _is_true(el.get(_CAMUNDA + "asyncAfter")):
                for flow in root.iter(f"{_BPMN}sequenceFlow"):
                    target = by_id.get(flow.get("targetRef"))
                    if flow.get("sourceRef") == el.get("id") and target is not None:
                        held.update(_entry_points(target))
    return sorted(held)


def hold(specs: Iterable, element_ids: Iterable[str]) -> None:
    """Make the task specs of ``element_ids`` (among the process specs ``specs``) stop
    at their boundary. Specs are restored from JSON without this, so every bundle
    installs it again when it is built."""
    wanted = set(element_ids)
    if not wanted:
        return
    for process_spec in specs:
        for task_spec in process_spec.task_specs.values():
            if task_spec.bpmn_id in wanted and not getattr(task_spec, "_held_at_boundary", False):
                if _held_before_ready(task_spec):
                    task_spec._update_hook = _held_update(task_spec._update_hook)
                else:
                    task_spec._run = _held_run(task_spec._run)
                task_spec._held_at_boundary = True


def continue_held(tasks) -> int:
    """Release held tasks so the next engine run executes them; returns how many."""
    released = 0
    for task in tasks:
        if task.state == TaskState.STARTED and task.internal_data.pop(HELD, False):
            task.internal_data[CONTINUED] = True
            if _held_before_ready(task.task_spec):
                task._set_state(TaskState.FUTURE)
                task.task_spec._update(task)  # now the original hook readies it, with its on-ready work
            else:
                task._set_state(TaskState.READY)
            released += 1
    return released


def is_held(task) -> bool:
    return task.state == TaskState.STARTED and bool(task.internal_data.get(HELD))


def _held_run(original):
    def run(task):
        if task.internal_data.pop(CONTINUED, False):
            return original(task)
        task.internal_data[HELD] = True
        return None  # SpiffWorkflow leaves a task whose run returns None STARTED
    return run


def _held_update(original):
    def update_hook(task):
        # Kept, not popped: a started call activity is updated again while it runs.
        if task.internal_data.get(CONTINUED):
            return original(task)
        task.internal_data[HELD] = True
        task._set_state(TaskState.STARTED)
        return False
    return update_hook


def _held_before_ready(task_spec) -> bool:
    """User tasks, receive tasks and call activities: held before they become ready."""
    return isinstance(task_spec, (UserTask, ReceiveTask, SubWorkflowTask))


def _entry_points(el) -> list[str]:
    kind = etree.QName(el).localname
    if kind in _WAITING_ANYWAY:
        return []
    if kind in _SCOPES:
        return [s.get("id") for s in el.findall(f"{_BPMN}startEvent") if s.get("id")]
    return [el.get("id")]


def _is_true(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"
