"""Task specs that carry the Camunda attributes SpiffWorkflow does not execute.

The engine stores the raw attribute text; the platform evaluates assignees and
due dates when a task becomes ready, because their meaning (users, org units,
the clock) belongs to the platform, not to the engine.
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer.default.task_spec import (
    BoundaryEventConverter,
    BpmnTaskSpecConverter,
    MultiInstanceTaskConverter,
    ParallelGatewayConverter,
)
from SpiffWorkflow.bpmn.serializer.helpers.spec import TaskSpecConverter
from SpiffWorkflow.bpmn.specs.defaults import (
    BoundaryEvent,
    ManualTask,
    NoneTask,
    ParallelGateway,
    ServiceTask,
)
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins import BpmnSpecMixin
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.camunda.serializer.event_definition import MessageEventDefinitionConverter
from SpiffWorkflow.camunda.serializer.task_spec import UserTaskConverter
from SpiffWorkflow.camunda.specs.event_definitions import (
    MessageEventDefinition as CamundaMessageEventDefinition,
)
from SpiffWorkflow.camunda.specs.multiinstance_task import (
    ParallelMultiInstanceTask as CamundaParallelMI,
)
from SpiffWorkflow.camunda.specs.multiinstance_task import (
    SequentialMultiInstanceTask as CamundaSequentialMI,
)
from SpiffWorkflow.camunda.specs.user_task import Form, UserTask
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from .lint.timers import TimerError, check_cardinality

#: Keys of ``GovUserTask.assignment``; values are the raw attribute text.
ASSIGNMENT_KEYS = ("assignee", "candidate_users", "candidate_groups", "due_date",
                   "follow_up_date", "priority", "scope")


class GovUserTask(UserTask):
    """A Camunda user task plus who may work it and by when."""

    def __init__(self, wf_spec, bpmn_id, form, assignment=None, **kwargs):
        super().__init__(wf_spec, bpmn_id, form, **kwargs)
        self.assignment = dict(assignment or {})


class HandlerServiceTask(ServiceTask):
    """A service task dispatched to a handler registered by name in govflow.tasks.

    ``external``: a ``camunda:type="external"`` task whose topic no handler serves
    when deployed; it waits (STARTED) until an external worker completes it.
    """

    def __init__(self, wf_spec, bpmn_id, handler, result_variable=None, properties=None, external=False,
                 **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.handler = handler
        self.result_variable = result_variable
        self.properties = dict(properties or {})
        self.external = external

    def _execute(self, my_task):
        if self.external:
            return None  # STARTED: waits for a worker (EngineInstance.complete_external)
        result = my_task.workflow.script_engine.call_service(
            my_task, handler=self.handler, element_id=self.bpmn_id,
            properties=self.properties)
        if self.result_variable:
            my_task.data[self.result_variable] = result
        elif isinstance(result, dict):
            my_task.data.update(result)
        return True


class _BoundedMultiInstance:
    """Refuses a cardinality or collection larger than the platform allows.

    The limit is read from the script engine (``max_multi_instance``) so that it
    is a setting, not a constant of the diagram.
    """

    #: SpiffWorkflow's multi-instance spec, which this is mixed into, sets it.
    data_input: Any

    def _update_hook(self, my_task):
        if my_task.state != TaskState.WAITING:
            # Inherit the parent's data first, as SpiffWorkflow's Camunda hook would,
            # so the size is read from the data the loop will really see.
            BpmnSpecMixin._update_hook(self, my_task)
            my_task._set_state(TaskState.WAITING)
            # A cardinality is checked as the script engine evaluates it (runtime_checks);
            # a collection is data, checked here before any instance is created.
            if self.cardinality is None and self.data_output is not None:
                limit = getattr(my_task.workflow.script_engine, "max_multi_instance", 1000)
                items = my_task.data.get(self.data_output.bpmn_id)
                size = len(items) if hasattr(items, "__len__") else 0
                try:
                    check_cardinality(size, limit)
                except TimerError as exc:
                    raise WorkflowTaskException(f"multi-instance collection of {size:,} items: {exc}",
                                                task=my_task) from None
        return super()._update_hook(my_task)


    def check_completion_condition(self, my_task):
        """Camunda's completionCondition, with ``nrOfInstances``, ``nrOfCompletedInstances``
        and ``nrOfActiveInstances`` visible (SpiffWorkflow offers none of them, so a
        condition naming them failed the step)."""
        merged = my_task.internal_data.get("merged", [])
        if not merged or self.condition is None:
            return False
        last = next(c for c in my_task.children if str(c.id) == merged[-1])
        return bool(my_task.workflow.script_engine.evaluate(last, self.condition,
                                                            external_context=self._counters(my_task, merged)))

    def _counters(self, my_task, merged) -> dict:
        if isinstance(self, CamundaParallelMI):
            instances = list(self._instances(my_task))
            total = len(instances)
            active = sum(1 for c in instances if not c.has_state(TaskState.FINISHED_MASK))
        else:
            total = (len(self.data_input.get(my_task) or ()) if self.data_input is not None
                     else my_task.internal_data.get("cardinality", 0))
            active = 1  # Camunda counts the one running instance of a sequential loop
        return {"nrOfInstances": total, "nrOfCompletedInstances": len(merged), "nrOfActiveInstances": active}


class GovParallelMultiInstance(_BoundedMultiInstance, CamundaParallelMI):
    pass


class GovSequentialMultiInstance(_BoundedMultiInstance, CamundaSequentialMI):
    pass


class GovParallelGateway(ParallelGateway):
    """A parallel join that counts only the tokens of its own round.

    In a loop SpiffWorkflow also counts the inputs of join instances left over
    from earlier rounds, so a round whose branches finish in another order than
    the round before fires the join too early. A round is the set of instances
    that share the same previous firing of this join as nearest ancestor.
    """

    def _check_threshold_unstructured(self, my_task):
        anchor = self._previous_firing(my_task)
        tasks = [t for t in my_task.workflow.get_tasks(spec_name=self.name)
                 if self._previous_firing(t) is anchor]
        waiting_inputs = set(self.inputs)

        def remove_ancestor(task):
            while task is not None:
                if task.task_spec in waiting_inputs:
                    waiting_inputs.remove(task.task_spec)
                    return
                task = task.parent

        for task in tasks:
            if task.is_descendant_of(my_task):
                remove_ancestor(task)
            elif my_task.is_descendant_of(task):
                continue
            elif task.parent.state == TaskState.COMPLETED and task.parent.task_spec in waiting_inputs:
                waiting_inputs.remove(task.parent.task_spec)
        return len(waiting_inputs) == 0

    def _run_hook(self, my_task):
        """Merge the data of this round's branches only (stale rounds would
        overwrite values set in this one)."""
        anchor = self._previous_firing(my_task)
        others = [t for t in my_task.workflow.tasks.values()
                  if t.task_spec == self and t.has_state(TaskState.FINISHED_MASK)
                  and not my_task.is_descendant_of(t) and self._previous_firing(t) is anchor]
        for task in others:
            if task.has_state(TaskState.COMPLETED):
                task._drop_children(force=True)
        split = self._split_point(my_task, others)
        if split is None:
            for task in sorted(others, key=lambda t: t.last_state_change):
                DeepMerge.merge(my_task.data, task.parent.data)
            my_task._inherit_data()
            return True
        # Each branch carries a copy of everything, including the values the other
        # branches change: only what a branch changed since the split is its to say.
        merged = dict(split.data)
        for task in sorted([*others, my_task], key=lambda t: t.parent.last_state_change):
            branch = task.parent.data
            for key, value in branch.items():
                if key not in split.data or split.data[key] != value:
                    merged[key] = value
            for key in split.data.keys() - branch.keys():
                merged.pop(key, None)
        my_task.data.clear()
        my_task.data.update(merged)
        return True

    @staticmethod
    def _split_point(my_task, others):
        """The nearest task above this join that all of the round's branches come from."""
        if not others:
            return None
        ancestor = my_task.parent
        while ancestor is not None:
            if all(t.is_descendant_of(ancestor) for t in others):
                return ancestor
            ancestor = ancestor.parent
        return None

    def _previous_firing(self, task):
        ancestor = task.parent
        while ancestor is not None and ancestor.task_spec is not self:
            ancestor = ancestor.parent
        return ancestor


#: Overdue firings of one cycle timer handled per step; the rest at the next one.
_CATCH_UP_CYCLES = 10


class GovBoundaryEvent(BoundaryEvent):
    """A non-interrupting boundary event stays armed while its activity runs, and
    what it started outlives the activity.

    SpiffWorkflow arms a boundary event once per activity: a non-interrupting
    message (or signal) caught a second time found nobody waiting. A cycle timer
    hangs each firing's path under its own waiting task, so when the activity
    ended and the timer was cancelled, the reminders it had started vanished with
    it. Here each firing is a completed sibling of its own, like a message's.
    """

    def _update_hook(self, my_task):
        if self.cancel_activity or not isinstance(self.event_definition, CycleTimerEventDefinition):
            return super()._update_hook(my_task)
        super(CatchingEvent, self)._update_hook(my_task)   # the data, as CatchingEvent does first
        if my_task.state != TaskState.WAITING:
            my_task._set_state(TaskState.WAITING)
        my_task.workflow.top_workflow.event_manager.add_task(my_task)
        # After a long stop of the worker several cycles may be due: each fires (as
        # Camunda's jobs would), a bounded number per step so that one step stays short.
        for _ in range(_CATCH_UP_CYCLES):
            if not self.event_definition.cycle_complete(my_task):
                break
            fired = my_task.parent._add_child(self, TaskState.COMPLETED)
            fired._inherit_data()
            for output in self.outputs:
                child = fired._add_child(output, TaskState.FUTURE)
                child.task_spec._predict(child, mask=TaskState.NOT_FINISHED_MASK)
                child.task_spec._update(child)
        return self.event_definition.has_fired(my_task)

    def _run_hook(self, my_task):
        result = super()._run_hook(my_task)
        if self.cancel_activity or isinstance(self.event_definition, TimerEventDefinition):
            return result
        split = my_task.parent
        main = next((t for t in split.children if not isinstance(t.task_spec, BoundaryEvent)), None)
        if main is not None and not main.has_state(TaskState.FINISHED_MASK):
            again = split._add_child(self, TaskState.WAITING)
            again._inherit_data()
            self._predict(again, mask=TaskState.WAITING)   # its outgoing path, as at the split
            my_task.workflow.top_workflow.event_manager.add_task(again)
        return result


class GovUserTaskConverter(UserTaskConverter):
    def to_dict(self, spec):
        dct = super().to_dict(spec)
        dct["assignment"] = spec.assignment
        return dct

    def from_dict(self, dct):
        dct["form"] = Form(init=dct["form"])
        return self.task_spec_from_dict(dct)


class HandlerServiceTaskConverter(TaskSpecConverter):
    def to_dict(self, spec):
        dct = self.get_default_attributes(spec)
        dct.update(handler=spec.handler, result_variable=spec.result_variable,
                   properties=spec.properties, external=spec.external)
        return dct

    def from_dict(self, dct):
        return self.task_spec_from_dict(dct)


class PassThroughTask(NoneTask):
    """An abstract ``bpmn:task``: Camunda passes straight through it; SpiffWorkflow
    would wait for someone to complete it, and no task list shows it to anyone."""

    def __init__(self, wf_spec, bpmn_id, **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = False


class PassThroughManualTask(ManualTask):
    """A ``bpmn:manualTask``: work done outside any system, which Camunda passes
    through the same way."""

    def __init__(self, wf_spec, bpmn_id, **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = False


SPEC_CONVERTERS = {
    PassThroughTask: BpmnTaskSpecConverter,
    PassThroughManualTask: BpmnTaskSpecConverter,
    GovParallelGateway: ParallelGatewayConverter,
    GovBoundaryEvent: BoundaryEventConverter,
    GovUserTask: GovUserTaskConverter,
    HandlerServiceTask: HandlerServiceTaskConverter,
    GovParallelMultiInstance: MultiInstanceTaskConverter,
    GovSequentialMultiInstance: MultiInstanceTaskConverter,
}


class GovMessageEventDefinition(CamundaMessageEventDefinition):
    """Camunda message whose variables land in the process data.

    Camunda's message correlation sets the sent variables on the process; Spiff's
    Camunda flavour nests them under ``<task>_Response``. Without an explicit
    ``camunda:resultVariable`` we follow Camunda.
    """

    def update_task_data(self, my_task):
        event_data = my_task.internal_data.get(self.name) or {}
        payload = event_data.get("payload")
        if self.result_var is None and isinstance(payload, dict) and event_data.get("merge"):
            my_task.data.update(payload)
        else:
            super().update_task_data(my_task)


SPEC_CONVERTERS[GovMessageEventDefinition] = MessageEventDefinitionConverter
