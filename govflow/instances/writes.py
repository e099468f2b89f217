"""The writes that end a step of the one change path (instances.runtime.save): the
engine state, the rows the step changed (the instance, version-checked, and the tasks
it closed), and the rows it adds once its tasks exist — candidates, notifications,
audit rows (StepWrites).

By Core, not by the ORM's flush: what the flush would send, at a third of its cost,
with the same version check (a stale instance row raises StaleDataError, which
commit() maps to a Conflict). Anything else dirty (incidents, subscriptions …) is left
to the flush. On SQLite these are a few statements in the process; on PostgreSQL,
where every statement is a round trip to the server, they go as one: the instance's
UPDATE with the others attached as data-modifying CTEs (``WITH … AS (UPDATE …)``,
``… AS (INSERT …)``), run in the same snapshot and the same transaction.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, insert, inspect, select, union_all, update
from sqlalchemy.orm.attributes import NO_VALUE, set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ..database import is_postgres, prepared
from ..extensions import db
from ..worklist.models import HumanTask
from .models import InstanceEvent, InstanceState, ProcessInstance

_STATE = cast(Table, InstanceState.__table__)
_EVENTS = cast(Table, InstanceEvent.__table__)
SAVE_STATE = prepared(update(_STATE).where(_STATE.c.instance_id == bindparam("state_of"))
                      .values(data=bindparam("state")))
#: Row types written here, with their version column.
_CORE_WRITTEN = {ProcessInstance: "lock_version", HumanTask: None}
#: Beyond these (changed task rows, rows of one insert, inserts), a step's writes go as
#: separate statements (its composite would be a statement of its own shape, seldom reused).
_MAX_TASKS, _MAX_ROWS, _MAX_INSERTS = 8, 16, 8


class RowWrite(NamedTuple):
    table: Table
    id: int
    changed: dict          # column → new value (the version column's bump included)
    version: tuple | None  # (column, value read) for the check


class _Rows(NamedTuple):
    table: Table
    columns: tuple
    rows: list[dict]


class _Statement(NamedTuple):
    build: Callable[[str], Any]
    key: tuple
    params: dict


class StepWrites:
    """The inserts a step makes once its task rows exist (candidates, notifications,
    audit rows), sent with the step's last write (write_step): on PostgreSQL as parts of
    that one statement, on SQLite as statements of their own at that moment. Nothing
    in the step reads them back before."""

    def __init__(self) -> None:
        self.items: list[_Rows | _Statement] = []

    def rows(self, table: Table, rows: list[dict]) -> None:
        """INSERT ``rows`` (dicts with the same keys) into ``table``."""
        if rows:
            self.items.append(_Rows(table, tuple(sorted(rows[0])), rows))

    def statement(self, build: Callable[[str], Any], key: tuple, params: dict) -> None:
        """Run ``build(prefix)``, a statement whose every bound parameter is named prefix
        + its name in ``params``; ``key`` names its shape (build is called once per shape
        and prefix: cache what it returns)."""
        self.items.append(_Statement(build, key, params))


def write_step(instance_id: int, state: str | None, audit_rows: Callable[[], list[dict]],
               later: StepWrites) -> None:
    """Write the step: ``state`` (None: unchanged, or a new instance's, which the flush
    inserts), the changed instance and task rows of the session, the inserts queued in
    ``later`` and the audit rows (asked for after the flush: they may name a task row
    it inserts)."""
    session = db.session()
    rows = _take_changed_rows(session)
    session.flush()  # the rest (new rows, incidents, subscriptions …)
    later.rows(_EVENTS, audit_rows())
    inserts, later.items = later.items, []
    main = next((r for r in rows if r.version), None)
    tasks = [r for r in rows if r is not main]
    if is_postgres() and main is not None and len(tasks) <= _MAX_TASKS and len(inserts) <= _MAX_INSERTS \
            and all(len(i.rows) <= _MAX_ROWS for i in inserts if isinstance(i, _Rows)):
        statement, params = _composite(main, tasks, instance_id if state is not None else None, inserts)
        if state is not None:
            params["s__data"] = state
        _check(session.connection().execute(statement, params).rowcount, main)
        return
    connection = session.connection()
    if state is not None:
        connection.execute(SAVE_STATE, {"state_of": instance_id, "state": state})
    for row in rows:
        _check(connection.execute(_update_statement(row), _update_params(row)).rowcount, row)
    for item in inserts:
        if isinstance(item, _Rows):
            connection.execute(_cached(("insert", item.table.name), lambda t=item.table: insert(t)), item.rows)
        else:
            connection.execute(item.build(""), item.params)


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
        statement = _STATEMENTS[key] = prepared(build())
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


def _composite(main: RowWrite, tasks: list[RowWrite], state_of: int | None, inserts: list):
    """The instance's UPDATE, with the state, task and insert writes as CTEs."""
    key = ("composite", _shape(main), tuple(_shape(t) for t in tasks), state_of is not None,
           tuple(_insert_shape(i) for i in inserts))

    def build():
        ctes = []
        if state_of is not None:
            ctes.append(update(_STATE).where(_STATE.c.instance_id == bindparam("s__id"))
                        .values(data=bindparam("s__data")).cte("w_state"))
        for n, task in enumerate(tasks):
            ctes.append(_update(task.table, f"t{n}_", *_shape(task)[1:]).cte(f"w_task{n}"))
        for n, item in enumerate(inserts):
            ctes.append(_insert_statement(item, f"q{n}_").cte(f"w_insert{n}"))
        return _update(main.table, "i_", *_shape(main)[1:]).add_cte(*ctes)

    params = _update_params(main, "i_")
    if state_of is not None:
        params["s__id"] = state_of
    for n, task in enumerate(tasks):
        params.update(_update_params(task, f"t{n}_"))
    for n, item in enumerate(inserts):
        params.update(_insert_params(item, f"q{n}_"))
    return _cached(key, build), params


def _insert_shape(item) -> tuple:
    if isinstance(item, _Rows):
        return "rows", item.table.name, item.columns, len(item.rows)
    return "statement", item.key


def _insert_statement(item, prefix: str):
    if not isinstance(item, _Rows):
        return item.build(prefix)
    # INSERT … SELECT … UNION ALL …, not a multi-row VALUES: SQLAlchemy cannot cache a
    # multi-row VALUES statement, and would compile the composite at every step.
    table = item.table
    selects = [select(*[bindparam(f"{prefix}{n}_{c}", type_=table.c[c].type) for c in item.columns])
               for n in range(len(item.rows))]
    return insert(table).from_select(item.columns, union_all(*selects) if len(selects) > 1 else selects[0])


def _insert_params(item, prefix: str) -> dict:
    if not isinstance(item, _Rows):
        return {prefix + k: v for k, v in item.params.items()}
    return {f"{prefix}{n}_{c}": row[c] for n, row in enumerate(item.rows) for c in item.columns}
