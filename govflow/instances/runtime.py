"""The one path every state change of an instance takes.

``with changing(instance_id, actor) as change:`` loads and locks the instance,
hands the caller its engine, and on leaving the block runs the engine, saves
the state, brings the human-task table, message subscriptions, timer column and
audit trail up to date, and flushes. The request or job commits once, after.

Locking: PostgreSQL takes ``SELECT … FOR UPDATE`` on the instance row; SQLite
write transactions begin IMMEDIATE (see database.py). Either way the row's
``lock_version`` is checked on UPDATE, so a lost race surfaces as a Conflict.
"""
from __future__ import annotations

import contextlib
import contextvars
import threading
from collections import OrderedDict

from sqlalchemy import event, select

from .. import engine
from ..database import ensure_write_transaction, is_postgres
from ..definitions.models import ProcessDefinition
from ..definitions.service import bundle_for
from ..errors import Conflict, NotFound
from ..extensions import db
from ..identity.models import OrgUnit
from ..timeutil import utcnow
from ..worklist.models import HumanTask
from .models import InstanceState, ProcessInstance
from .statements import lock_statement
from .sync import sync_after_step
from .writes import StepWrites, write_step

#: The instance whose step is running, for service-task handlers.
current_instance: contextvars.ContextVar[ProcessInstance | None] = contextvars.ContextVar(
    "current_instance", default=None)


class _EngineCache:
    """Deserialized engines of recently changed instances, keyed by lock version.

    An entry is added only after the commit that saved exactly that state, and
    taken out while an action mutates it, so a rolled-back change can never be
    served from here. Small on purpose: it pays off for an instance worked step
    after step; each entry holds a whole engine (~15 KB), and a worker's memory
    must stay flat.
    """

    def __init__(self, capacity=128):
        self._items: OrderedDict[int, tuple[int, engine.EngineInstance]] = OrderedDict()
        self._lock = threading.Lock()
        self.capacity = capacity

    def take(self, instance_id: int, version: int):
        with self._lock:
            entry = self._items.pop(instance_id, None)
        return entry[1] if entry and entry[0] == version else None

    def peek(self, instance_id: int, version: int):
        """The cached engine for reading only (it stays in the cache)."""
        with self._lock:
            entry = self._items.get(instance_id)
        return entry[1] if entry and entry[0] == version else None

    def put(self, instance_id: int, version: int, value) -> None:
        with self._lock:
            self._items[instance_id] = (version, value)
            self._items.move_to_end(instance_id)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def clear(self):
        with self._lock:
            self._items.clear()


engine_cache = _EngineCache()


def _pending(session) -> list:
    return session.info.setdefault("govflow_engine_pending", [])


def install_session_hooks(session_factory) -> None:
    """Publish engines to the cache after commit; forget them after rollback."""
    @event.listens_for(session_factory, "after_commit")
    def _after_commit(session):
        for instance_id, version, value in _pending(session):
            engine_cache.put(instance_id, version, value)
        session.info["govflow_engine_pending"] = []

    @event.listens_for(session_factory, "after_soft_rollback")
    def _after_rollback(session, _previous):
        session.info["govflow_engine_pending"] = []

    @event.listens_for(session_factory, "after_transaction_end")
    def _after_transaction_end(session, _transaction):
        # Any end, a savepoint's included: PostgreSQL releases row locks taken inside a
        # savepoint rolled back to, so nothing read under a lock outlives its transaction.
        session.info.pop(_LOCKED, None)
        session.info.pop(_PREFETCHED, None)
        session.info.pop(_STATE, None)


class InstanceChange:
    """What an action inside :func:`changing` works with."""

    def __init__(self, instance: ProcessInstance, runner: engine.EngineInstance, actor_id):
        self.instance = instance
        self.engine = runner
        self.actor_id = actor_id
        self.completed_task_ids: set[str] = set()
        self.skip_engine = False
        #: False for actions that touch only platform tables (claim): no state dump.
        self.state_dirty = True
        self.new_instance = False
        #: The human tasks this change created (sync.NewTask records), in order.
        self.created_tasks: list = []
        #: The instance's open human tasks as read under its lock (lock_task_instance),
        #: for the sync after this step; None: sync queries them.
        self.prefetched_open_tasks = prefetched_open_tasks(instance.id)

        #: Inserts sent with the step's last write (candidates, notifications …).
        self.writes = StepWrites()
        self._events: list[dict] = []

    def keep_engine_state(self) -> None:
        """The action touches platform rows only (claim, transfer, copy …): the
        engine does not run and its state is not written back."""
        self.skip_engine, self.state_dirty = True, False

    def run_now(self) -> None:
        """Run the engine and bring the tables up to date inside the action, which then
        sees the tasks it created (to assign one, say); leaving the block does not run
        it again."""
        run_engine(self)
        self.skip_engine = True

    def record(self, kind: str, element_id=None, task=None, comment=None, data=None) -> None:
        """Queue an audit entry; ``task`` may be a row not flushed yet (id read at save)."""
        self._events.append({"kind": kind, "element_id": element_id, "task": task,
                             "comment": comment, "data": data, "at": utcnow()})

    def audit_rows(self) -> list[dict]:
        """The queued audit entries as rows, once (task ids are read now)."""
        rows = [{"instance_id": self.instance.id, "actor_id": self.actor_id, "kind": e["kind"],
                 "element_id": e["element_id"], "comment": e["comment"], "data": e["data"],
                 "at": e["at"], "task_id": getattr(e["task"], "id", e["task"])} for e in self._events]
        self._events.clear()
        return rows


#: session.info keys, both emptied when any transaction (or savepoint) ends: the ids
#: of instances this transaction holds locked, and what was read under that lock for
#: the first change of each (see lock_task_instance).
_LOCKED, _PREFETCHED = "govflow_locked", "govflow_prefetched"
#: The engine state read with the lock on SQLite, for the first load after it.
_STATE = "govflow_state"
_ORG_UNIT = "_govflow_org_unit"


def _hold(instance: ProcessInstance, unit: OrgUnit | None, definition: ProcessDefinition) -> ProcessInstance:
    # The identity map holds objects weakly: keep unit and definition alive with the instance.
    instance.__dict__[_ORG_UNIT] = unit
    instance.__dict__[_DEFINITION] = definition
    # Held (strongly) until the transaction ends, for lock_instance and readers after.
    db.session.info.setdefault(_LOCKED, {})[instance.id] = instance
    return instance


_DEFINITION = "_govflow_definition"


def lock_instance(instance_id: int) -> ProcessInstance:
    held = db.session.info.get(_LOCKED, {}).get(instance_id)
    if held is not None:
        # Locked earlier in this transaction: every change since went through this
        # session, so the row in hand is current.
        return held
    row = db.session.execute(lock_statement("instance", is_postgres()), {"instance_id": instance_id}).first()
    if row is None:
        raise NotFound(f"process instance {instance_id} does not exist")
    return _hold(row[0], row[1], row[2])


def lock_task_instance(task_id: int, facts: dict | None = None):
    """Lock the instance of human task ``task_id`` and read the task: (task, instance),
    or None for an unknown task. The instance comes with its unit and definition, and
    with its open tasks and this one — which the step's sync then needs no query for —
    and its engine state. One statement, as a rule.

    SQLite's transaction took the database's write lock at BEGIN IMMEDIATE, before any
    read. On PostgreSQL the statement waits for the instance's row lock; what it read of
    other tables (tasks, state) is as of its snapshot, taken before that wait, while the
    instance row is the latest. Every change under the lock bumps the row's version, so
    the statement also reads the version its snapshot saw: when the two differ, someone
    changed the instance in the meantime, and the tasks and state are read again.

    ``facts``: {name: SQL expression correlated to HumanTask}, read in the same
    statement and kept on each task row as ``task.__dict__[name]`` (the caller's rules
    ask them of the task without another round trip)."""
    names, postgres = list(facts or {}), is_postgres()
    rows: list = list(db.session.execute(lock_statement("task_all", postgres, facts), {"task_id": task_id}))
    if not rows:
        return None
    instance = _hold(rows[0][0], rows[0][1], rows[0][2])
    if postgres:
        seen_version, rows = rows[0][3], [row[:3] + row[4:] for row in rows]
        if seen_version != instance.lock_version:
            again = db.session.execute(lock_statement("task_rows", True, facts),
                                       {"instance_id": instance.id, "task_id": task_id}).all()
            if not again:
                return None
            rows = [(*rows[0][:3], again[0][-1], *tuple(row)[:-1]) for row in again]
    db.session.info.setdefault(_STATE, {})[instance.id] = rows[0][3]
    tasks: list[HumanTask] = []
    for row in rows:
        task: HumanTask = row[4]
        task.__dict__.update(zip(names, row[5:], strict=True))
        tasks.append(task)
    db.session.info.setdefault(_PREFETCHED, {})[instance.id] = [t for t in tasks if t.status == "open"]
    return next(t for t in tasks if t.id == task_id), instance


def prefetched_open_tasks(instance_id: int) -> list | None:
    """The open tasks of ``instance_id`` as read under its lock, once (None when not read
    or already used: a second change in the same transaction must query)."""
    return db.session.info.get(_PREFETCHED, {}).pop(instance_id, None)


def instance_definition(instance: ProcessInstance) -> ProcessDefinition:
    """The instance's definition, as read with the lock when it was (no query then)."""
    definition = instance.__dict__.get(_DEFINITION)
    return definition if definition is not None else db.session.get_one(ProcessDefinition, instance.definition_id)


def instance_org_unit(instance: ProcessInstance) -> OrgUnit | None:
    """The instance's org unit, as read with the lock when it was (no query then)."""
    unit = instance.__dict__.get(_ORG_UNIT)
    return unit if unit is not None else db.session.get(OrgUnit, instance.org_unit_id)


def load_engine(instance: ProcessInstance) -> engine.EngineInstance:
    # The state read with the lock is taken now, used or not: once this change saves,
    # it is out of date.
    data = db.session.info.get(_STATE, {}).pop(instance.id, None)
    cached = engine_cache.take(instance.id, instance.lock_version)
    if cached is not None:
        return cached
    return _load(instance, data)


def _load(instance: ProcessInstance, data: str | None = None) -> engine.EngineInstance:
    # The definition came with the lock (its bundle is cached per (id, checksum): the
    # 50 KB of JSON are read only on a cache miss); the state is one round trip unless
    # it came with the lock too (``data``).
    definition = instance.__dict__.get(_DEFINITION)
    if data is not None and definition is not None:
        pass
    elif definition is not None:
        data = db.session.scalars(select(InstanceState.data).where(InstanceState.instance_id == instance.id)).one()
    else:  # a read without the lock (the instance page): state and definition in one
        data, definition = db.session.execute(
            select(InstanceState.data, ProcessDefinition)
            .join_from(InstanceState, ProcessDefinition, ProcessDefinition.id == instance.definition_id)
            .where(InstanceState.instance_id == instance.id)).one()
    return engine.EngineInstance.load(data, bundle_for(definition), engine.get_script_engine())


def read_engine(instance: ProcessInstance) -> engine.EngineInstance:
    """The engine of ``instance`` for reading (task data, the diagram); never mutate it."""
    cached = engine_cache.peek(instance.id, instance.lock_version)
    if cached is not None:
        return cached
    # Left for a change that may follow (load_engine takes it; a change before this
    # read took it already).
    return _load(instance, db.session.info.get(_STATE, {}).get(instance.id))


@contextlib.contextmanager
def changing(instance_id: int, actor_id: int | None = None, *, require_active: bool = True):
    ensure_write_transaction()
    instance = lock_instance(instance_id)
    if require_active and instance.status not in ("active", "error"):
        raise Conflict(f"process instance {instance_id} is {instance.status}")
    change = InstanceChange(instance, load_engine(instance), actor_id)
    with stepping(instance):
        try:
            yield change
        except engine.EngineError as exc:
            # The engine refused the action itself (a step with nothing to blame it on):
            # the caller asked for something this instance cannot do now.
            raise Conflict(str(exc)) from exc
        if not change.skip_engine:
            run_engine(change)
        save(change)


@contextlib.contextmanager
def stepping(instance: ProcessInstance):
    """The frame of one step of ``instance``: handlers see it as current_instance; its
    evaluations share one time budget (STEP_TIME_BUDGET), so the lock is never held
    much longer however many scripts run; one flush at the end (in save) instead of
    one before every query."""
    token = current_instance.set(instance)
    try:
        with engine.step_budget(), db.session.no_autoflush:
            yield
    finally:
        current_instance.reset(token)


def run_engine(change: InstanceChange) -> None:
    try:
        failures = change.engine.run()
    except engine.EngineError as exc:
        raise Conflict(str(exc)) from exc
    sync_after_step(change, failures)


def save(change: InstanceChange) -> None:
    instance, runner = change.instance, change.engine
    state = None
    if change.state_dirty:
        engine.compact(runner)
        state = runner.dump()
        if change.new_instance:
            db.session.add(InstanceState(instance_id=instance.id, data=state))
            state = None
    instance.updated_at = utcnow()
    write_step(instance.id, state, change.audit_rows, change.writes)  # bumps lock_version; a stale row raises here
    _pending(db.session).append((instance.id, instance.lock_version, runner))
