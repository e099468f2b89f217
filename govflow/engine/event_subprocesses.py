"""Event subprocesses end with their scope, as in Camunda.

SpiffWorkflow starts an event subprocess with its scope and lets the scope's end wait
for it, so a scope whose main path has ended stays open while the subprocess's start
event waits — for ever with a cycle without end (``R/PT1H``, cron). In Camunda the
scope ends when no token is left outside its event subprocesses, and their start
events are withdrawn. :func:`close_idle` does that after each engine run.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.specs.control import BpmnStartTask, _EndJoin
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.util.task import TaskState

_LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


def close_idle(top) -> bool:
    """Cancel the event subprocesses of every scope of workflow ``top`` that only waits
    for them; returns whether any was cancelled (the engine should run again)."""
    closed = False
    for workflow in [top, *top.subprocesses.values()]:
        live = [t for t in workflow.get_tasks(state=_LIVE) if t.workflow is workflow]
        idle = [t for t in live if _is_idle_event_subprocess(top, t)]
        waiting_end = [t for t in live if isinstance(t.task_spec, _EndJoin)]
        if idle and waiting_end and len(idle) + len(waiting_end) == len(live):
            for task in idle:
                task.cancel()
            for join in waiting_end:
                join.task_spec._update(join)  # SpiffWorkflow re-checks a waiting join only when told
            closed = True
    return closed


def _is_idle_event_subprocess(top, task) -> bool:
    """Started from its scope's start (how SpiffWorkflow attaches an event subprocess),
    and inside it only its start events and its end wait: every path it started has ended."""
    if task.state != TaskState.STARTED or task.parent is None or not isinstance(task.parent.task_spec, BpmnStartTask):
        return False
    inner = top.subprocesses.get(task.id)
    if inner is None:
        return False
    return all(isinstance(t.task_spec, (StartEvent, _EndJoin)) and t.state == TaskState.WAITING
               for t in inner.get_tasks(state=_LIVE))
