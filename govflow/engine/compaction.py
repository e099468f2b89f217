"""Prune the history SpiffWorkflow keeps in a running workflow's task tree.

SpiffWorkflow never forgets a task: every task ever run stays in ``workflow.tasks``
and in the parent/children tree, and every sub-process ever started stays in
``workflow.subprocesses``.  An instance that loops (rework rounds) therefore grows
with its history; each step, ``to_dict`` and deserialize get slower, and once the
tree is deeper than ``TaskIterator``'s ``max_depth`` (1,000) ``do_engine_steps`` no
longer sees READY tasks and the instance stalls without an error.

``compact(workflow)`` removes the finished tasks that nothing will read again and
splices the rest together, so the tree is bounded by the live part of the process
(plus one resume point per manual task), not by its history.  The platform calls it
after each engine step and before serializing; the audit log, not the engine, keeps
the human history.

What is kept, and why (every other finished task is removed):

* the root of each workflow: the tree and the serializer start from it;
* live tasks: unfinished ones (predicted, FUTURE, WAITING, READY, STARTED), ones in
  ERROR (an administrator may retry them) and sub-process tasks whose sub-process is
  still running;
* the children of live tasks: multi-instance and loop tasks count, index and merge
  their instances (``children_complete``, the ``merged`` ids), an event-based
  gateway picks its branch by child position.  Not the finished branches under a
  live catching event (one per cycle of a cycle timer): the event never reads them;
* ``last_task`` of each workflow: a sub-process task copies its result from it and
  the platform reads the final data from it;
* resume points, the latest completed instance of each manual task spec: the
  targets of "return to an earlier step" (``reset_from_task_id``);
* the original parent of every live task, last task and resume point, and all the
  children of that parent when it is a boundary/start event split: a task inherits
  its parent's data when it becomes ready, ``reset_branch`` copies its parent's
  data, and ``reset_from_task_id`` resets every child of a split together;
* for a pending ``BoundaryEventJoin`` or ``StartEventJoin``, its split and all the
  split's children: the join finds the split with ``find_ancestor`` and reads the
  state of every child (main task, interrupting and non-interrupting events);
* join rounds of parallel and inclusive gateways and of the EndJoin (a round: the
  instances whose nearest ancestor instance of the same gateway is the same task):
  the round of every live instance, the latest round that fired and every round
  with a resume point inside one of its branches, each instance with its parent.
  A gateway counts the finished inputs (parents) of its other instances, merges
  their data when it fires, and fires again after a reset into its round;
* the parent of every kept sub-process task: a reset inside a sub-process also
  resets the sub-process task, from its parent's data.

Contract:

* kept tasks keep their ids, states, data, internal data and sibling order; a kept
  task whose parent went is re-attached to its nearest kept ancestor, so ancestry
  among kept tasks is unchanged.  ``workflow.data`` is untouched and
  ``workflow.tasks`` keeps parents before children (the serializer's data deltas
  depend on it);
* only finished tasks are removed, and no ``task_removed_event`` is emitted: pruning
  history does not change the state of the process;
* a sub-process is kept exactly as long as its task is, and is compacted by the same
  rule; ad hoc sub-processes are left as they are (their spec treats the root's
  children as its list of paths);
* ``reset_from_task_id`` to a live task or a resume point behaves as without
  compaction; other kept tasks take the data of their nearest kept ancestor.

What compaction changes: joins also read *stale* rounds.  A parallel gateway in a
loop counts the inputs of every earlier round that is not its ancestor (so the
engine fires early when a round completes its branches in another order than an
earlier round did); an inclusive gateway stops its search at the first instance it
meets; an ``UnstructuredJoin`` merges the data of every earlier finished instance.
Compaction keeps only the rounds listed above, so a decision that depended on an
older round can differ (also after a reset into an earlier round while a later one
runs, which leaves two tokens in the loop).  It never removes an instance of a live
round, and removing finished tasks never hides a kept task from a ``TaskIterator``.

Not bounded by this rule: a live standard-loop task keeps all its iterations (and a
live multi-instance task all its instances); early ends of non-interrupting branches
each keep an EndJoin instance, whose data the engine merges into the final data.
"""

from typing import Any

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
    ``do_engine_steps`` and before serializing.  The count includes the tasks of
    dropped sub-processes.  Idempotent: a second call right after the first removes
    nothing.
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
    new_children: dict[Any, list]
    new_parent, new_children, visited = {}, {root.id: []}, set()
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
            new_children[task.id] = []
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
    resume_points = _resume_points(tasks)
    seeds = live + resume_points
    if workflow.last_task is not None and workflow.last_task.id in tasks:
        seeds.append(workflow.last_task)

    for task in seeds:
        _keep_with_parent(task, keep)

    for task in live:
        # Multi-instance and loop tasks count, index and merge their instances, and an
        # event-based gateway picks its branch by child position.  The finished
        # children of a catching event are past cycles of a cycle timer: never read.
        if not isinstance(task.task_spec, CatchingEvent):
            keep.update(task._children)
        else:
            keep.update(child.id for child in _children(task) if child.has_state(LIVE_MASK))
        spec = task.task_spec
        # A pending boundary/start event join looks up its split and reads every
        # child of it to decide whether the main task finished or was interrupted.
        if isinstance(spec, Join) and spec.split_task is not None:
            split = _nearest_ancestor(task, spec.split_task)
            if split is not None:
                keep.add(split.id)
                keep.update(split._children)

    keep |= _join_rounds(workflow, resume_points)
    # A reset inside a sub-process also resets the sub-process task.  Only one level:
    # a loop of nothing but call activities would otherwise keep its whole history.
    for task_id in [task_id for task_id in keep if task_id in subprocesses and task_id in tasks]:
        _keep_with_parent(tasks[task_id], keep)
    # A gateway instance, whatever the reason it was kept, is judged by its parent
    # (the input it came from), which may itself be a gateway instance.
    joins = [tasks[task_id] for task_id in keep
             if task_id in tasks and isinstance(tasks[task_id].task_spec, UnstructuredJoin)]
    while joins:
        parent = joins.pop().parent
        if parent is not None and parent.id not in keep:
            keep.add(parent.id)
            if isinstance(parent.task_spec, UnstructuredJoin):
                joins.append(parent)
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
    latest: dict = {}
    for task in tasks.values():
        if task.task_spec.manual and task.state == TaskState.COMPLETED:
            best = latest.get(task.task_spec.name)
            # Ties on the timestamp go to the later task in creation order.
            if best is None or task.last_state_change >= best.last_state_change:
                latest[task.task_spec.name] = task
    return list(latest.values())


def _join_rounds(workflow, resume_points) -> set:
    """Instances (and their parents) of the join rounds that may still be read.

    Kept rounds: the round of every live instance (it is still collecting tokens),
    the latest round that fired, and every round with a resume point inside one of
    its branches (an ancestor of some of its instances but not of all): resetting to
    it runs that round's join again, which then counts the other branches' finished
    instances.  A resume point before the split is not enough, since resetting to it
    drops the whole round.
    """
    resume_ids = {task.id for task in resume_points}
    round_of, inside = {}, {}
    # Preorder numbers grow along every path: the resume points that lie after the
    # round's start are those numbered above the round key.
    stack: list[tuple[Any, dict, tuple[tuple[int, Any], ...]]] = [(workflow.task_tree, {}, ())]
    number = 0
    while stack:
        task, nearest, resumes = stack.pop()
        number += 1
        spec = task.task_spec
        if isinstance(spec, UnstructuredJoin):
            round_key, round_number = nearest.get(spec.name, (None, 0))
            round_of[task] = round_key
            inside[task] = {task_id for n, task_id in resumes if n > round_number}
            # Copy only at join instances; every other task shares its parent's map.
            nearest = {**nearest, spec.name: (task.id, number)}
        if task.id in resume_ids:
            resumes = resumes + ((number, task.id),)
        stack.extend((child, nearest, resumes) for child in _children(task))

    members: dict[tuple, list] = {}
    for task, round_key in round_of.items():
        members.setdefault((task.task_spec.name, round_key), []).append(task)
    rounds = set()
    for round_id, tasks in members.items():
        above = [inside[task] for task in tasks]
        if set().union(*above) - set.intersection(*above):
            rounds.add(round_id)

    latest_fired: dict = {}
    for task, round_key in round_of.items():
        name = task.task_spec.name
        if task.has_state(LIVE_MASK):
            rounds.add((name, round_key))
        elif task.state == TaskState.COMPLETED:
            best = latest_fired.get(name)
            if best is None or task.last_state_change >= best.last_state_change:
                latest_fired[name] = task
    rounds.update((name, round_of[task]) for name, task in latest_fired.items())

    kept = set()
    for round_id in rounds:
        for task in members[round_id]:
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
