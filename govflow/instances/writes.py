"""The writes that end a step of the one change path (instances.runtime.save): the
engine state, the rows the step changed (the instance, version-checked, and the tasks
it closed) and the audit rows.

By Core, not by the ORM's flush: what the flush would send, at a third of its cost,
with the same version check (a stale instance row raises StaleDataError, which
commit() maps to a Conflict). Anything else dirty (incidents, subscriptions …) is left
to the flush. On SQLite these are a few statements in the process; on PostgreSQL,
where every statement is a round trip to the server, they go as one: the instance's
UPDATE with the others attached as data-modifying CTEs (``WITH … AS (UPDATE …)``),
run in the same snapshot and the same transaction.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, cast

from sqlalchemy import Table, bindparam, insert, inspect, select, union_all, update
from sqlalchemy.orm.attributes import NO_VALUE, set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ..database import is_postgres
from ..extensions import db
from ..worklist.models import HumanTask
from .models import InstanceEvent, InstanceState, ProcessInstance

_STATE = cast(Table, InstanceState.__table__)
_EVENTS = cast(Table, InstanceEvent.__table__)
SAVE_STATE = update(_STATE).where(_STATE.c.instance_id == bindparam("state_of")).values(data=bindparam("state"))
INSERT_EVENTS = insert(_EVENTS)
#: Row types written here, with their version column.
_CORE_WRITTEN = {ProcessInstance: "lock_version", HumanTask: None}
#: Beyond these, a step's writes go as separate statements (its composite would be a
#: statement of its own shape, seldom reused).
_MAX_TASKS, _MAX_EVENTS = 8, 16


class RowWrite(NamedTuple):
    table: Table
    id: int
    changed: dict          # column → new value (the version column's bump included)
    version: tuple | None  # (column, value read) for the check


def write_step(instance_id: int, state: str | None, audit_rows: Callable[[], list[dict]]) -> None:
    """Write the step: ``state`` (None: unchanged, or a new instance's, which the flush
    inserts), the changed instance and task rows of the session, and the audit rows
    (asked for after the flush: they may name a task row it inserts)."""
    session = db.session()
    rows = _take_changed_rows(session)
    session.flush()  # the rest (new rows, incidents, subscriptions …)
    events = audit_rows()
    main = next((r for r in rows if r.version), None)
    tasks = [r for r in rows if r is not main]
    if is_postgres() and main is not None and len(tasks) <= _MAX_TASKS and len(events) <= _MAX_EVENTS:
        statement, params = _composite(main, tasks, instance_id if state is not None else None, events)
        if state is not None:
            params["s__data"] = state
        _check(session.connection().execute(statement, params).rowcount, main)
        return
    connection = session.connection()
    if state is not None:
        connection.execute(SAVE_STATE, {"state_of": instance_id, "state": state})
    for row in rows:
        _check(connection.execute(_update_statement(row), _update_params(row)).rowcount, row)
    if events:
        connection.execute(INSERT_EVENTS, events)


def _take_changed_rows(session) -> list[RowWrite]:
    """The Core writes of the session's dirty instance and task rows; each object is then
    marked clean (the flush that follows has nothing of it to walk) with its new version."""
    rows = []
    for obj in list(session.dirty):
        if type(obj) not in _CORE_WRITTEN:
            continue
        state = inspect(obj)
        table = state.mapper.local_table
        changed = {}
        for key, old in state.committed_state.items():
            if key not in table.c or old is NO_VALUE:
                break  # a relationship or an unloaded column: the flush knows best
            new = state.dict.get(key)
            if new != old:
                changed[key] = new
        else:
            version_key = _CORE_WRITTEN[type(obj)]
            version = None
            if changed and version_key:
                version = (version_key, state.dict[version_key])
                changed[version_key] = version[1] + 1
            if changed:
                rows.append(RowWrite(table, obj.id, changed, version))
                for key, value in changed.items():
                    set_committed_value(obj, key, value)
            # SQLAlchemy has no public "mark clean"; _commit_all is what its own flush
            # calls after writing an object.
            state._commit_all(state.dict, session.identity_map)
    return rows


def _check(rowcount: int, row: RowWrite) -> None:
    if rowcount != 1:
        raise StaleDataError(f"{row.table.name} row {row.id} changed since it was read")


#: Statements by shape (table, changed columns, version column; for the composite, the
#: shapes of all its parts): a step changes the same few column sets again and again.
_STATEMENTS: dict = {}


def _cached(key, build):
    statement = _STATEMENTS.get(key)
    if statement is None:
        if len(_STATEMENTS) > 512:
            _STATEMENTS.clear()
        statement = _STATEMENTS[key] = build()
    return statement


def _shape(row: RowWrite) -> tuple:
    return row.table.name, tuple(sorted(row.changed)), row.version[0] if row.version else None


def _update(table: Table, prefix: str, columns: tuple, version_key: str | None):
    where = [table.c.id == bindparam(prefix + "_id")]
    if version_key:
        where.append(table.c[version_key] == bindparam(prefix + "_version"))
    # Typed: a JSON column's value must go through its bind processor wherever it stands.
    return update(table).where(*where).values(**{c: bindparam(prefix + c, type_=table.c[c].type) for c in columns})


def _update_statement(row: RowWrite):
    return _cached(("row", *_shape(row)), lambda: _update(row.table, "_", *_shape(row)[1:]))


def _update_params(row: RowWrite, prefix: str = "_") -> dict:
    params = {prefix + "_id": row.id, **{prefix + k: v for k, v in row.changed.items()}}
    if row.version:
        params[prefix + "_version"] = row.version[1]
    return params


def _composite(main: RowWrite, tasks: list[RowWrite], state_of: int | None, events: list[dict]):
    """The instance's UPDATE, with the state, task and audit writes as CTEs."""
    columns = tuple(sorted(events[0])) if events else ()
    key = ("composite", _shape(main), tuple(_shape(t) for t in tasks), state_of is not None, len(events), columns)

    def build():
        ctes = []
        if state_of is not None:
            ctes.append(update(_STATE).where(_STATE.c.instance_id == bindparam("s__id"))
                        .values(data=bindparam("s__data")).cte("w_state"))
        for n, task in enumerate(tasks):
            ctes.append(_update(task.table, f"t{n}_", *_shape(task)[1:]).cte(f"w_task{n}"))
        if events:
            # INSERT … SELECT … UNION ALL …, not a multi-row VALUES: SQLAlchemy cannot
            # cache a multi-row VALUES statement, and compiled this one at every step.
            rows = [select(*[bindparam(f"e{n}_{c}", type_=_EVENTS.c[c].type) for c in columns])
                    for n in range(len(events))]
            ctes.append(insert(_EVENTS).from_select(columns, union_all(*rows) if len(rows) > 1 else rows[0])
                        .cte("w_events"))
        return _update(main.table, "i_", *_shape(main)[1:]).add_cte(*ctes)

    params = _update_params(main, "i_")
    if state_of is not None:
        params["s__id"] = state_of
    for n, task in enumerate(tasks):
        params.update(_update_params(task, f"t{n}_"))
    for n, event in enumerate(events):
        params.update({f"e{n}_{c}": v for c, v in event.items()})
    return _cached(key, build), params
