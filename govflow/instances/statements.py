"""The SQL of the one change path (instances.runtime), built once with bound
parameters: building a statement and its cache key cost about as much as running it,
and every step of every instance runs these. SQLAlchemy memoizes a statement's cache
key on the statement object, so the same objects are reused."""
from __future__ import annotations

from typing import cast

from sqlalchemy import Table, bindparam, insert, inspect, or_, select, update
from sqlalchemy.orm.attributes import NO_VALUE, set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ..definitions.models import ProcessDefinition
from ..extensions import db
from ..identity.models import OrgUnit
from ..worklist.models import HumanTask
from .models import InstanceEvent, InstanceState, ProcessInstance

INSERT_EVENTS = insert(cast(Table, InstanceEvent.__table__))


def locking_query(query, postgres: bool):
    """``query`` (ProcessInstance, OrgUnit, ProcessDefinition …) taking the instance's lock.

    The org unit and definition come along into the identity map: handlers, task
    scopes and the comment rule ask for them in most steps, one round trip each.
    """
    query = query.outerjoin(OrgUnit, OrgUnit.id == ProcessInstance.org_unit_id) \
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
    if postgres:
        query = query.with_for_update(of=ProcessInstance)
    return query.execution_options(populate_existing=True)


#: The locking statements, one per (kind, dialect, facts): every change starts with one.
#: ``facts`` are module constants (worklist.cosign.COSIGN_FACTS), told apart by their names.
_LOCK_STATEMENTS: dict = {}


def lock_statement(kind: str, postgres: bool, facts: dict | None = None):
    key = (kind, postgres, tuple(facts or ()))
    statement = _LOCK_STATEMENTS.get(key)
    if statement is None:
        statement = _LOCK_STATEMENTS[key] = _build_lock_statement(kind, postgres, list((facts or {}).values()))
    return statement


def _build_lock_statement(kind: str, postgres: bool, extra: list):
    entities = (ProcessInstance, OrgUnit, ProcessDefinition)
    mine = or_(HumanTask.status == "open", HumanTask.id == bindparam("task_id"))
    owner = select(HumanTask.instance_id).where(HumanTask.id == bindparam("task_id")).scalar_subquery()
    if kind == "instance":
        return locking_query(select(*entities).where(ProcessInstance.id == bindparam("instance_id")), postgres)
    if kind == "task_instance":  # PostgreSQL: the lock first …
        return locking_query(select(*entities).where(ProcessInstance.id == owner), postgres)
    if kind == "task_rows":      # … then the tasks and the engine state, read under it
        state = select(InstanceState.data).where(InstanceState.instance_id == bindparam("instance_id")) \
            .scalar_subquery()
        return select(HumanTask, *extra, state).where(HumanTask.instance_id == bindparam("instance_id"), mine) \
            .execution_options(populate_existing=True)
    # SQLite: all in one (the engine state too: a few kilobytes copied cost less than the
    # round trip load_engine makes whenever this process's engine cache is behind).
    return locking_query(select(*entities, InstanceState.data, HumanTask, *extra)
                          .outerjoin(InstanceState, InstanceState.instance_id == ProcessInstance.id)
                          .join(HumanTask, (HumanTask.instance_id == ProcessInstance.id) & mine)
                          .where(ProcessInstance.id == owner), postgres)


#: Core, on the table: no ORM object of the state is in the session to keep in step
#: (the state is read as a column), and the ORM's bulk-update path cost more than the UPDATE.
_STATE_TABLE = cast(Table, InstanceState.__table__)
SAVE_STATE = update(_STATE_TABLE).where(_STATE_TABLE.c.instance_id == bindparam("state_of")) \
    .values(data=bindparam("state"))


#: Rows a step changes (the instance, the tasks it closes) are written by Core UPDATEs of
#: their changed columns — what the ORM's flush would send, at a third of its cost; the
#: version check is the same (a stale row raises StaleDataError, which commit() maps to
#: a Conflict). Anything else dirty (incidents, subscriptions …) is left to the flush.
_CORE_WRITTEN = {ProcessInstance: "lock_version", HumanTask: None}


def write_changed_rows() -> None:
    session = db.session()
    for obj in list(session.dirty):
        if type(obj) in _CORE_WRITTEN:
            _write_row(session, obj, _CORE_WRITTEN[type(obj)])


#: UPDATE statements by (table, changed columns, version column): a step changes the
#: same few column sets again and again (a task closed, the instance's step names).
_UPDATES: dict = {}


def _update_statement(table: Table, columns: tuple, version_key: str | None):
    key = (table.name, columns, version_key)
    statement = _UPDATES.get(key)
    if statement is None:
        where = [table.c.id == bindparam("_id")]
        if version_key:
            where.append(table.c[version_key] == bindparam("_version"))
        values: dict = {c: bindparam("_new_" + c) for c in columns}
        if version_key:
            values[version_key] = bindparam("_new_" + version_key)
        statement = _UPDATES[key] = update(table).where(*where).values(**values)
    return statement


def _write_row(session, obj, version_key: str | None) -> None:
    state = inspect(obj)
    table = state.mapper.local_table
    changed = {}
    for key, old in state.committed_state.items():
        if key not in table.c or old is NO_VALUE:
            return  # a relationship or an unloaded column: the flush knows best
        new = state.dict.get(key)
        if new != old:
            changed[key] = new
    if changed:
        params = {"_id": obj.id, **{"_new_" + k: v for k, v in changed.items()}}
        if version_key:
            version = state.dict[version_key]
            params["_version"], params["_new_" + version_key] = version, version + 1
            changed[version_key] = version + 1
        statement = _update_statement(table, tuple(sorted(k for k in changed if k != version_key)), version_key)
        result = session.connection().execute(statement, params)
        if result.rowcount != 1:
            raise StaleDataError(f"{table.name} row {obj.id} changed since it was read")
        for key, value in changed.items():
            set_committed_value(obj, key, value)
    # Written (or nothing to write): the row in the session is what the database holds,
    # so the flush that follows has nothing of it to look at. SQLAlchemy has no public
    # "mark clean"; _commit_all is what its own flush calls after writing an object.
    state._commit_all(state.dict, session.identity_map)
