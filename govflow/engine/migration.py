"""Moving a running instance onto another version of its process.

A saved state names its tasks' specs by name and holds no spec itself (see
serialization.py), so migrating is: check that every task of the state has a
spec of that name in the new version — waiting ones (user tasks, timers, message
catches) of the same type — then restore the same state against the new bundle.
"""
from __future__ import annotations

from SpiffWorkflow.util.task import TaskState

from .bundle import ProcessBundle
from .runtime import EngineInstance
from .serialization import dump_state, load_state

_WAITING = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


def migration_problems(instance: EngineInstance, target: ProcessBundle) -> list[str]:
    """Why ``instance`` cannot run on ``target`` (empty when it can)."""
    problems = []
    workflow = instance.workflow
    for wf in [workflow, *workflow.subprocesses.values()]:
        specs = target.spec if wf is workflow else target.subprocess_specs.get(wf.spec.name)
        if specs is None:
            problems.append(f"the called process '{wf.spec.name}' is missing in the new version")
            continue
        for task in wf.tasks.values():
            spec, element = task.task_spec, task.task_spec.bpmn_id or task.task_spec.name
            new = specs.task_specs.get(spec.name)
            if new is None:
                where = "waiting at" if task.state & _WAITING else "history holds"
                problems.append(f"{where} '{element}', which the new version lacks")
            elif task.state & _WAITING and type(new) is not type(spec):
                problems.append(f"'{element}' is a {type(new).__name__} in the new version, "
                                f"not a {type(spec).__name__}")
    return sorted(set(problems))


def rebind(instance: EngineInstance, target: ProcessBundle) -> EngineInstance:
    """The same state on ``target``'s specs; check :func:`migration_problems` first."""
    workflow = load_state(dump_state(instance.workflow), target)
    workflow.script_engine = instance.workflow.script_engine
    return EngineInstance(workflow, target)
