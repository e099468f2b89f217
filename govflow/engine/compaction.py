"""Prune the history SpiffWorkflow keeps in a running workflow's task tree.

SpiffWorkflow never forgets a task: every task ever run stays in ``workflow.tasks``
and in the parent/children tree, and every sub-process ever started stays in
``workflow.subprocesses``.  An instance that loops (rework rounds) therefore grows
without bound; each step, ``to_dict`` and deserialize get slower, and once the tree
is deeper than ``TaskIterator``'s ``max_depth`` (1,000) ``do_engine_steps`` no
longer sees READY tasks and the instance stalls without an error.

``compact(workflow)`` removes the finished tasks nothing will read again and splices
the remaining ones together, so the tree is bounded by the live part of the process
(plus one resume point per manual task), not by its history.  The platform calls it
after each engine step and before serializing; the audit log, not the engine, keeps
the human history.

Which tasks are kept, and why (everything else that is finished is removed):

* the root of every workflow: the tree and the serializer start from it;
* *live* tasks: every unfinished task (predicted, FUTURE, WAITING, READY, STARTED),
  every task in ERROR (an administrator may retry it) and every sub-process task
  whose sub-process has not completed;
* the parent of every live task: a task inherits its data from its parent when it
  becomes ready, ``reset_branch`` copies the parent's data, and parallel and
  inclusive gateways test the state and spec of their instances' parents;
* the children of live tasks: multi-instance and loop tasks count, index and merge
  their child instances (``children_complete``, the ``merged`` id list), and an
  event-based gateway picks its branch by child position.  Finished branches under
  a live catching event (one per cycle of a cycle timer) are the exception: the
  event never reads them again;
* ``workflow.last_task``: a sub-process task copies its data on completion and the
  platform reads the final data from it;
* resume points, the latest completed instance of every manual task spec, with its
  parent: ``reset_from_task_id`` to it (return to an earlier step) behaves exactly
  as without compaction;
* for a kept task whose parent is a boundary/start event split, all the split's
  children: resetting one of them resets all of them, and a pending
  ``BoundaryEventJoin``/``StartEventJoin`` finds its split with ``find_ancestor`` and
  reads the state of every child of the split;
* for every parallel/inclusive gateway (and the process EndJoin), the instances of
  the *current* round (the round of any live instance) and of the latest round that
  fired, with their parents: a join counts the completed inputs of its other
  instances, merges their parents' data when it fires, and needs them again if the
  workflow is reset into one of its branches.  A round is the set of instances whose
  nearest ancestor instance of the same gateway is the same task.

Contract:

* kept tasks keep their ids, state, data, internal data and their order among
  siblings; a kept task whose parent was removed is re-attached to its nearest kept
  ancestor, so ancestry among kept tasks is unchanged.  ``workflow.data`` and
  ``workflow.tasks`` order (parents before children, which the serializer's data
  deltas need) are unchanged;
* only finished tasks are removed, and no ``task_removed_event`` is emitted:
  pruning history is not a change of the process state;
* sub-processes whose task was removed, or whose task and sub-process have both
  finished, are removed with their own sub-processes; the engine copied their
  result when they completed;
* ad hoc sub-processes are left untouched: their spec walks the root's children as
  its list of paths;
* ``reset_from_task_id`` works for any task still present.  It is exact for live
  tasks and resume points; for other kept tasks the data comes from their nearest
  kept ancestor.

What differs from an uncompacted run: the engine's joins also read *stale* rounds
(a parallel gateway in a loop counts inputs completed in earlier rounds and can fire
early; an inclusive gateway stops its search at the first instance in the tree;
``UnstructuredJoin`` merges data from every earlier instance).  Removing older
rounds can only remove such stale evidence, never a task of the current round, and
removing finished tasks never hides a kept task from a ``TaskIterator``.
"""

from collections import defaultdict

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import AdHocSubprocessSpec
from SpiffWorkflow.bpmn.specs.control import EventSplit
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

__all__ = ["compact"]

#: States in which a task is still part of the process rather than its history.
LIVE_MASK = TaskState.NOT_FINISHED_MASK | TaskState.ERROR


def compact(workflow) -> int:
    """Remove the history ``workflow`` no longer needs; return how many tasks went.

    ``workflow`` is a ``BpmnWorkflow``; its sub-process workflows are compacted too.
    Call it between engine steps (never from inside a task callback), e.g. after
    ``do_engine_steps`` and before serializing.  Idempotent: a second call right
    after the first removes nothing.
    """
    removed = 0
    pending = [workflow]
    while pending:
        current = pending.pop(0)
        removed_ids = set()
        if not isinstance(current.spec, AdHocSubprocessSpec):
            removed_ids = _prune_tree(current)
            removed += len(removed_ids)
        removed += _drop_orphaned_subprocesses(workflow, removed_ids)
        pending.extend(
            sp for sp in workflow.subprocesses.values() if sp.parent_task_id in current.tasks
        )
    return removed


def _prune_tree(workflow) -> set:
    """Prune one workflow's own tree (not its sub-processes); return removed ids."""
    keep = _tasks_to_keep(workflow)
    root = workflow.task_tree
    new_parent, new_children, visited = {}, {task_id: [] for task_id in keep}, set()
    # Walk the whole tree iteratively (it may be thousands deep) carrying the nearest
    # kept ancestor; pushing children reversed visits them in order, so siblings
    # keep their relative order.
    stack = [(child, root.id) for child in reversed(_children(root))]
    while stack:
        task, anchor = stack.pop()
        visited.add(task.id)
        if task.id in keep:
            new_parent[task.id] = anchor
            new_children[anchor].append(task.id)
            anchor = task.id
        stack.extend((child, anchor) for child in reversed(_children(task)))

    # Tasks that are not reachable from the root are not ours to judge: leave them.
    removed = {task_id for task_id in visited if task_id not in keep}
    event_manager = workflow.top_workflow.event_manager
    for task_id in removed:
        event_manager.remove_task(workflow.tasks.pop(task_id))
    for task_id, children in new_children.items():
        workflow.tasks[task_id]._children = children
    for task_id, parent_id in new_parent.items():
        workflow.tasks[task_id]._parent = parent_id
    return removed


def _tasks_to_keep(workflow) -> set:
    """Ids of the tasks of ``workflow`` that must survive (see the module docstring)."""
    tasks = workflow.tasks
    subprocesses = workflow.top_workflow.subprocesses
    keep = {workflow.task_tree.id}

    live = [
        task for task in tasks.values()
        if task.has_state(LIVE_MASK)
        or (task.id in subprocesses and not subprocesses[task.id].completed)
    ]
    seeds = list(live) + _resume_points(tasks)
    if workflow.last_task is not None and workflow.last_task.id in tasks:
        seeds.append(workflow.last_task)

    for task in seeds:
        _keep_with_parent(task, keep)

    for task in live:
        if not isinstance(task.task_spec, CatchingEvent):
            keep.update(task._children)
        else:
            keep.update(child.id for child in _children(task) if child.has_state(LIVE_MASK))
        spec = task.task_spec
        if isinstance(spec, Join) and spec.split_task is not None:
            split = _nearest_ancestor(task, spec.split_task)
            if split is not None:
                keep.add(split.id)
                keep.update(split._children)

    keep |= _join_rounds(workflow)
    # Whatever the reason they were kept: a gateway instance is judged by its parent
    # (the input it came from), and a reset inside a sub-process also resets the
    # sub-process task, with its parent's data.
    for task_id in list(keep):
        task = tasks.get(task_id)
        if task is not None and (isinstance(task.task_spec, UnstructuredJoin) or task_id in subprocesses):
            _keep_with_parent(task, keep)
    return {task_id for task_id in keep if task_id in tasks}


def _keep_with_parent(task, keep):
    """Keep ``task`` and its original parent, so resetting it behaves as before."""
    keep.add(task.id)
    parent = task.parent
    if parent is not None:
        keep.add(parent.id)
        if isinstance(parent.task_spec, EventSplit):
            keep.update(parent._children)


def _resume_points(tasks) -> list:
    """The latest completed instance of each manual task spec (a return target)."""
    latest = {}
    for task in tasks.values():
        if task.task_spec.manual and task.state == TaskState.COMPLETED:
            best = latest.get(task.task_spec.name)
            # Ties on the timestamp go to the later task in creation order.
            if best is None or task.last_state_change >= best.last_state_change:
                latest[task.task_spec.name] = task
    return list(latest.values())


def _join_rounds(workflow) -> set:
    """Instances (and their parents) of the join rounds that may still be read.

    Kept rounds: the round of every live instance (it is still collecting tokens)
    and the latest round that fired (a reset into one of its branches fires it
    again).  Older rounds are history.
    """
    round_of = {}
    stack = [(workflow.task_tree, {})]
    while stack:
        task, nearest = stack.pop()
        spec = task.task_spec
        if isinstance(spec, UnstructuredJoin):
            round_of[task] = nearest.get(spec.name)
            # Copy only at join instances; every other task shares its parent's map.
            nearest = {**nearest, spec.name: task.id}
        stack.extend((child, nearest) for child in _children(task))

    rounds, latest_fired = defaultdict(set), {}
    for task, round_key in round_of.items():
        name = task.task_spec.name
        if task.has_state(LIVE_MASK):
            rounds[name].add(round_key)
        elif task.state == TaskState.COMPLETED:
            best = latest_fired.get(name)
            if best is None or task.last_state_change >= best.last_state_change:
                latest_fired[name] = task
    for name, task in latest_fired.items():
        # Once a live instance descends from the latest firing, the next round has
        # reached the gateway and the fired round is only stale evidence for it.
        if task.id not in rounds[name]:
            rounds[name].add(round_of[task])

    kept = set()
    for task, round_key in round_of.items():
        if round_key in rounds.get(task.task_spec.name, ()):
            kept.add(task.id)
            if task.parent is not None:
                kept.add(task.parent.id)
    return kept


def _drop_orphaned_subprocesses(top, removed_ids) -> int:
    """Remove the sub-processes whose task was just pruned; nothing can reach them."""
    return sum(_drop_subprocess(top, task_id) for task_id in removed_ids if task_id in top.subprocesses)


def _drop_subprocess(top, task_id) -> int:
    """Delete a sub-process and, recursively, the sub-processes started inside it."""
    subprocess = top.subprocesses.pop(task_id, None)
    if subprocess is None:
        return 0
    dropped = len(subprocess.tasks)
    for task in subprocess.tasks.values():
        top.event_manager.remove_task(task)
        if task.id in top.subprocesses:
            dropped += _drop_subprocess(top, task.id)
    return dropped


def _nearest_ancestor(task, spec_name):
    """``Task.find_ancestor`` without recursion (the tree may be deeper than the stack)."""
    ancestor = task.parent
    while ancestor is not None and ancestor.task_spec.name != spec_name:
        ancestor = ancestor.parent
    return ancestor


def _children(task) -> list:
    return [child for child in task.children if child is not None]
