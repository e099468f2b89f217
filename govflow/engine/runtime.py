"""One running process instance, in the platform's terms.

:class:`EngineInstance` wraps a SpiffWorkflow ``BpmnWorkflow`` and answers what
the platform asks: which user tasks are ready and for whom, what is the next
timer, which messages are awaited, what failed. Nothing outside
``govflow.engine`` sees a Spiff object.
"""
from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from . import clock, continuations, event_subprocesses, timer_starts
from .bundle import ProcessBundle
from .external import ExternalTasks
from .outcomes import EngineError, NotWaiting, StepFailure
from .serialization import dump_state, load_state
from .specs import GovMessageEventDefinition
from .user_tasks import ReadyUserTask, describe_ready

#: More live engine tasks than this means a runaway loop, not a real procedure.
MAX_TASKS = 5000
#: Rounds of engine steps for paths that timers firing at the end of a step made ready.
_TIMER_ROUNDS = 10
#: SpiffWorkflow's TaskIterator does not descend deeper than this (its max_depth).
ITERATOR_DEPTH = 1000


class EngineInstance(ExternalTasks):
    def __init__(self, workflow: BpmnWorkflow, bundle: ProcessBundle):
        self.workflow = workflow
        self.bundle = bundle

    # -- life cycle -----------------------------------------------------------
    @classmethod
    def start(cls, bundle: ProcessBundle, script_engine, variables: dict | None = None,
              start_event: str | None = None):
        """A new instance; ``start_event`` names the timer start event whose job starts
        it (see :func:`.timer_starts.enter_by` for which start events a new instance takes)."""
        workflow = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=script_engine)
        instance = cls(workflow, bundle)
        timer_starts.enter_by(workflow, start_event)
        if variables:
            workflow.task_tree.data.update(variables)
            # The start tasks may have run already (timer_starts.enter_by): their
            # successors, not yet ready, carry the data on.
            mask = TaskState.NOT_FINISHED_MASK
            for task in workflow.get_tasks(state=mask):
                task.data.update(variables)
        return instance

    @classmethod
    def load(cls, state: str, bundle: ProcessBundle, script_engine):
        workflow = load_state(state, bundle)
        workflow.script_engine = script_engine
        return cls(workflow, bundle)

    def dump(self) -> str:
        return dump_state(self.workflow)

    def run(self) -> list[StepFailure]:
        """Run engine tasks until only people, timers or messages can move it.

        A task that raises is left in ERROR state and reported, so the caller
        can store it as an incident instead of failing the request.
        """
        try:
            self.workflow.do_engine_steps()
            # do_engine_steps ends by letting due timers fire, which leaves their
            # paths READY; run those now rather than at the instance's next step.
            for _ in range(_TIMER_ROUNDS):
                if not any(not t.task_spec.manual and _depth(t) < ITERATOR_DEPTH
                           for t in self._tasks(TaskState.READY)):
                    break
                self.workflow.do_engine_steps()
            if event_subprocesses.close_idle(self.workflow):
                self.workflow.do_engine_steps()
        except Exception as exc:  # a handler's own failure arrives unwrapped
            self._contain(exc)
        if self.history_depth() > MAX_TASKS:
            # SpiffWorkflow stops seeing tasks deeper than 1,000 and would stall
            # silently; compaction keeps live instances far below this.
            raise EngineError(f"the instance holds {self.history_depth()} engine tasks "
                              f"(limit {MAX_TASKS}); it loops without end")
        # An automatic step left READY at the bottom of a task tree as deep as
        # SpiffWorkflow's TaskIterator looks (1,000) means do_engine_steps gave up: a
        # cycle with no wait state ran within one step, and the instance would
        # otherwise stall silently with nothing to do.
        stuck = sorted({t.task_spec.bpmn_id or t.task_spec.name for t in self._tasks(TaskState.READY)
                        if not t.task_spec.manual and _depth(t) >= ITERATOR_DEPTH})
        if stuck:
            raise EngineError(f"{', '.join(stuck)} is still ready after the engine ran: "
                              f"the process loops without a wait state")
        return self.failures()

    def failures(self) -> list[StepFailure]:
        out = []
        for task in self._errored():
            spec = task.task_spec
            message = task.internal_data.get("error") or "failed"
            out.append(StepFailure(str(task.id), spec.bpmn_id or spec.name,
                                   spec.bpmn_name or spec.bpmn_id or spec.name, str(message)))
        return out

    def _errored(self):
        return self._tasks(TaskState.ERROR)

    def retry(self, engine_task_id: str) -> None:
        task = self._task(engine_task_id)
        if task.state != TaskState.ERROR:
            raise EngineError(f"task {task.task_spec.bpmn_id} has not failed")
        task.internal_data.pop("error", None)
        task._set_state(task.internal_data.pop("state_before_error", TaskState.READY))

    @property
    def is_completed(self) -> bool:
        return self.workflow.completed

    def cancel(self) -> None:
        self.workflow.cancel()

    # -- what is waiting ------------------------------------------------------
    def ready_user_tasks(self) -> list[ReadyUserTask]:
        now = clock.now()
        out = []
        for task in self._tasks(TaskState.READY):
            if not task.task_spec.manual:
                continue
            try:
                out.append(describe_ready(task, self.workflow.script_engine, now))
            except Exception as exc:  # a bad assignee/due-date expression
                # The task is parked as failed: it becomes an incident that an
                # administrator can retry after fixing the data or the diagram.
                task.internal_data["error"] = f"cannot assign the task: {_describe_error(exc)}"
                task.error()
        return out

    def complete(self, engine_task_id: str, data: dict) -> None:
        task = self._task(engine_task_id)
        if task.state != TaskState.READY or not task.task_spec.manual:
            raise EngineError(f"task {task.task_spec.bpmn_id} is not ready for a person")
        task.data.update(data)
        try:
            task.run()
        except Exception as exc:  # what follows the task failed (a condition, a script)
            self._contain(exc)

    def task_data(self, engine_task_id: str) -> dict:
        return self._task(engine_task_id).data

    def variables(self) -> dict:
        """The process data as people think of it: the latest task's data, also
        inside running subprocesses."""
        if self.workflow.completed:
            return dict(self.workflow.data)
        last = self.workflow.last_task
        data = dict(last.data) if last is not None else dict(self.workflow.task_tree.data)
        # A subprocess waiting on a timer or message holds what was done inside it
        # in its own last task until it ends; the newer of those wins.
        inner = [sub.last_task for sub in self.workflow.subprocesses.values()
                 if not sub.completed and sub.last_task is not None]
        since = last.last_state_change if last is not None else 0
        for task in sorted(inner, key=lambda t: t.last_state_change):
            if task.last_state_change >= since:
                data.update(task.data)
        for task in self._tasks(TaskState.READY):
            data.update(task.data)
        return data

    def set_variables(self, values: dict) -> None:
        for task in self._tasks(TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR):
            task.data.update(values)

    def next_timer_at(self) -> datetime | None:
        """Earliest instant a waiting timer can fire, read from the task tree."""
        times = []
        if any(continuations.is_held(t) for t in self._tasks(TaskState.STARTED)):
            times.append(clock.now())  # the worker continues it at once
        for task in self.workflow.event_manager.tasks.values():
            if not any(isinstance(d, TimerEventDefinition) for d in _definitions(task)):
                continue
            value = task._get_internal_data("event_value")
            if isinstance(value, dict):
                value = value.get("next")
            if isinstance(value, str):
                try:
                    times.append(TimerEventDefinition.get_datetime(value))
                except ValueError:
                    continue
        return min(times) if times else None

    def awaited_messages(self) -> set[str]:
        names = set()
        for task in self.workflow.event_manager.tasks.values():
            if not isinstance(task.task_spec, CatchingEvent):
                continue
            for definition in _definitions(task):
                name = getattr(definition, "name", None)
                if name and isinstance(definition, MessageEventDefinition):
                    names.add(name)
        return names

    def deliver_message(self, name: str, variables: dict | None) -> None:
        # Timers that fell due before the message arrived fire first: an interrupting
        # one closes the window the message was for, whatever the worker's delay.
        self.refresh_timers()
        self.run()
        definition = GovMessageEventDefinition(name)
        event = BpmnEvent(definition, payload={"payload": variables or {}, "result_var": None,
                                               "merge": True})
        try:
            self.workflow.send_event(event)
        except SpiffWorkflowException as exc:
            raise NotWaiting(f"the process is not waiting for message '{name}'") from exc

    def refresh_timers(self) -> None:
        """Continue what waits at an asynchronous continuation and let due timers fire;
        a timer whose expression fails becomes a failed task."""
        continuations.continue_held(self._tasks(TaskState.STARTED))
        try:
            self.workflow.refresh_timers()
        except Exception as exc:
            self._contain(exc)

    def _contain(self, exc: Exception) -> None:
        """Record ``exc`` on the tasks it failed, so that each becomes an incident.

        SpiffWorkflow marks a task that raised while running as ERROR itself; one that
        raised while being updated (a timer or multi-instance evaluating its expression)
        keeps its state, and would fail again at every step, for ever. It is failed here,
        remembering its state for :meth:`retry`. Raises EngineError when no task is to blame.
        """
        failed = self._errored()
        task = getattr(exc, "task", None)
        if not failed and task is not None and task.workflow is not None \
                and not task.has_state(TaskState.FINISHED_MASK):
            task.internal_data["state_before_error"] = task.state
            task._set_state(TaskState.ERROR)
            failed = [task]
        if not failed:
            raise EngineError(str(exc)) from exc
        for task in failed:
            task.internal_data.setdefault("error", _describe_error(exc))

    def active_element_ids(self) -> list[str]:
        mask = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
        return [t.task_spec.bpmn_id for t in self._tasks(mask) if t.task_spec.bpmn_id]

    def history_depth(self) -> int:
        return len(self.workflow.tasks) + sum(len(sp.tasks) for sp in self.workflow.subprocesses.values())

    # -- helpers --------------------------------------------------------------
    def _tasks(self, state):
        workflows = [self.workflow, *self.workflow.subprocesses.values()]
        return [t for wf in workflows for t in wf.tasks.values() if t.state & state]

    def _task(self, engine_task_id: str):
        from uuid import UUID
        try:
            task = self.workflow.get_task_from_id(UUID(str(engine_task_id)))
        except (ValueError, SpiffWorkflowException) as exc:
            raise EngineError(f"no task {engine_task_id} in this instance") from exc
        if task is None:
            raise EngineError(f"no task {engine_task_id} in this instance")
        return task

    # -- moving back (退回) -----------------------------------------------------
    def element_ids(self) -> set[str]:
        """Ids of every BPMN element of the process and of everything it calls."""
        specs = [self.workflow.spec, *self.workflow.subprocess_specs.values()]
        return {ts.bpmn_id for spec in specs for ts in spec.task_specs.values() if ts.bpmn_id}

    def completed_runs(self) -> set[str]:
        """Elements with a completed run :meth:`reset_to` can return to (a step inside a
        sub-process that has ended is gone with it, and is not among them)."""
        return {t.task_spec.bpmn_id for t in self._tasks(TaskState.COMPLETED)
                if not (t.parent is not None and t.parent.task_spec.bpmn_id == t.task_spec.bpmn_id)}

    def reset_to(self, element_id: str) -> list[str]:
        """Return the instance to the latest completed run of ``element_id``.

        That task becomes ready again with the data it had when it became ready;
        everything that followed it on its path is removed (parallel branches
        that did not descend from it keep their state). Returns the ids of the
        engine tasks removed, so the caller can close what belonged to them.

        Raises EngineError when the element has no completed run here: it never
        ran, or it is not a human task and compaction dropped its history
        (compaction keeps the latest run of every human task for this).

        A human task's new run gets a new engine task id: the platform keeps one
        human-task row per run, keyed by that id, and the completed row is history
        (who did it, when) that must stay as it is.
        """
        # An instance of a multi-instance or loop task is not a step of its own: the
        # step is the whole activity (the parent task of the same element).
        done = [t for t in self._tasks(TaskState.COMPLETED) if t.task_spec.bpmn_id == element_id
                and not (t.parent is not None and t.parent.task_spec.bpmn_id == element_id)]
        if not done:
            raise EngineError(f"'{element_id}' has not run in this instance")
        target = max(done, key=lambda t: t.last_state_change)
        removed = [str(t.id) for t in self.workflow.reset_from_task_id(target.id)]
        if target.task_spec.manual:
            self._renew_task_id(target)
        return removed

    def _renew_task_id(self, task) -> None:
        """Give ``task`` a fresh id in place: same position in its workflow's task
        order (parents before children, which the serializer relies on) and among
        its siblings; its parent and children are re-pointed."""
        from uuid import uuid4
        old, new = task.id, uuid4()
        workflow = task.workflow
        workflow.tasks = {(new if key == old else key): value for key, value in workflow.tasks.items()}
        task.id = new
        if task.parent is not None:
            task.parent._children = [new if child == old else child for child in task.parent._children]
        for child in task.children:
            child._parent = new


def _definitions(task):
    """The event definitions a waiting task listens with (an event-based gateway
    or a multiple event holds several)."""
    definition = task.task_spec.event_definition
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [definition]


def _describe_error(exc: Exception) -> str:
    text = str(exc) or exc.__class__.__name__
    cause = getattr(exc, "exception", None) or exc.__cause__
    if cause is not None and str(cause) and str(cause) not in text:
        text = f"{text}: {cause}"
    return text[:2000]


def _depth(task) -> int:
    depth = 0
    while task.parent is not None:
        task, depth = task.parent, depth + 1
    return depth
