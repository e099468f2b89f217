"""External service tasks (``camunda:type="external"``) on a running instance: the
waits a worker may fetch, and what a worker reports back (done, failed, a business
error caught by a boundary event)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.util.task import TaskState

from .outcomes import ExternalWait, NotWaiting


class ExternalTasks:
    """Mixed into :class:`~govflow.engine.runtime.EngineInstance`, which provides the
    task lookups (declared here for the type checker only)."""

    if TYPE_CHECKING:
        def _tasks(self, state) -> list: ...

        def _task(self, engine_task_id: str): ...

    def external_waits(self) -> list[ExternalWait]:
        return [ExternalWait(str(t.id), t.task_spec.bpmn_id, t.task_spec.bpmn_name or t.task_spec.bpmn_id,
                             t.task_spec.handler)
                for t in self._tasks(TaskState.STARTED) if getattr(t.task_spec, "external", False)]

    def _external(self, engine_task_id: str):
        task = self._task(engine_task_id)
        if task.state != TaskState.STARTED or not getattr(task.task_spec, "external", False):
            raise NotWaiting(f"task {task.task_spec.bpmn_id} is not waiting for a worker")
        return task

    def complete_external(self, engine_task_id: str, data: dict) -> None:
        """A worker finished: its variables join the process data and the path goes on."""
        task = self._external(engine_task_id)
        task.data.update(data)
        task.complete()

    def fail_external(self, engine_task_id: str, message: str) -> None:
        """A worker gave up (no retries left): the task fails and becomes an incident;
        retrying it makes it wait for a worker again."""
        task = self._external(engine_task_id)
        task.internal_data["error"] = message[:2000]
        task.error()

    def throw_external_error(self, engine_task_id: str, code: str, message: str, data: dict) -> str | None:
        """A worker reported a business error (Camunda's bpmnError): an error boundary
        event on the task that matches ``code`` (or catches any error) takes the path
        on, with ``data`` set; answers its element id, or None when nothing catches it
        (the caller then fails the task into an incident, as Camunda does).

        Only events attached to the task itself are considered: the external task is
        the place the worker's error belongs to, and a catch-all further out would
        silently swallow errors a designer never meant to handle.
        """
        task = self._external(engine_task_id)
        boundary = task.parent
        candidates = [c for c in (boundary.children if boundary is not None else [])
                      if c is not task and c.state == TaskState.WAITING
                      and isinstance(getattr(c.task_spec, "event_definition", None), ErrorEventDefinition)]
        exact = [c for c in candidates if c.task_spec.event_definition.code == code]
        catch_all = [c for c in candidates if not c.task_spec.event_definition.code]
        catcher = (exact or catch_all or [None])[0]
        if catcher is None:
            return None
        definition = catcher.task_spec.event_definition
        thrown = ErrorEventDefinition(definition.name, code, description=message or None)
        task.data.update(data)
        catcher.task_spec.catch(catcher, BpmnEvent(thrown, payload={**task.data, **data}))
        catcher.task_spec._update(catcher)
        return catcher.task_spec.bpmn_id
