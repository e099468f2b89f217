"""PostgreSQL through psycopg: fewer round trips, statements prepared once.

Every statement to PostgreSQL is a network round trip, and parsing and planning it cost
the server more than running it for the short statements of a task completion. Two
habits of the driver stack multiplied both, and are changed here for the app's engine:

* Prepared statements. psycopg prepares any statement at its fifth run on a
  connection, and PostgreSQL may then plan it once for all values: right for a look-up
  by key, ruinous for a count over a district that was first planned for a community
  (2.3× on the benchmark's jurisdiction dashboard at a million rows). So only the
  statements marked with ``database.prepared`` are prepared — the change path's and the
  token's, all by key — at their first run; automatic preparing is off. And psycopg
  forgets every prepared statement at each ROLLBACK (in case the transaction changed
  the schema), and every read-only request ends with one: a rollback now goes to libpq
  directly, unless the transaction ran a schema statement (migrations, tests); prepared
  statements belong to the session, not to the transaction, so a rollback leaves them
  valid. Server CPU per task completion: 3.0 → 1.6 ms.
* psycopg builds a ``Column`` per field of every result as soon as
  ``cursor.description`` is read, and SQLAlchemy reads it after every statement only
  to learn whether rows came back (their names and types it has cached with the
  statement): 66 objects for a completion's locking read, 15 % of an instance read's
  CPU. The app's cursors build them when a field is first asked for.
* the pool's liveness check (``pool_pre_ping``) was a round trip of its own, followed
  by psycopg's BEGIN, another. The check is now the BEGIN: a connection that answers
  it is alive and already in the transaction the request is about to use. A caller
  that first changes the connection's characteristics (``isolation_level=
  "AUTOCOMMIT"`` for a VACUUM, read-only …), which psycopg allows only outside a
  transaction, has that unused transaction ended first.

Both go through ``Connection.pgconn``, psycopg's documented low-level handle; psycopg
reads the transaction status from it, so it sees what was done there.
"""
from __future__ import annotations

import weakref
from collections.abc import Sequence

import psycopg
from psycopg.pq import ExecStatus, TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import Engine

_SCHEMA_WORDS = ("CREATE", "ALTER", "DROP")


#: psycopg's threshold for preparing a statement by itself: never (see the module's doc).
_NEVER = 2**31


def configure_psycopg(engine: Engine) -> None:
    dialect = engine.dialect

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.cursor_factory = _Cursor
        if dbapi_connection.prepare_threshold is not None:  # None: DATABASE_PREPARED_STATEMENTS=false
            dbapi_connection.prepare_threshold = _NEVER

    schema_changed: weakref.WeakSet = weakref.WeakSet()
    #: Connections in the transaction their liveness check began, no statement run yet.
    unused_begin: weakref.WeakSet = weakref.WeakSet()
    forgetting_rollback, own_ping = dialect.do_rollback, dialect.do_ping

    @event.listens_for(engine, "before_cursor_execute")
    def _note_statement(conn, _cursor, statement, _params, _context, _many):
        raw = conn.connection.dbapi_connection
        unused_begin.discard(raw)
        if statement.lstrip()[:6].upper().startswith(_SCHEMA_WORDS):
            schema_changed.add(raw)

    @event.listens_for(engine, "commit")
    def _committed(conn):
        schema_changed.discard(conn.connection.dbapi_connection)

    def do_rollback(connection) -> None:
        raw = _driver_connection(connection)
        if raw in schema_changed:
            schema_changed.discard(raw)
            forgetting_rollback(connection)
        elif raw.pgconn.transaction_status != TransactionStatus.IDLE:
            _run(raw, b"ROLLBACK")

    def do_ping(connection) -> bool:
        raw = _driver_connection(connection)
        if raw.autocommit or raw.pgconn.transaction_status != TransactionStatus.IDLE \
                or (raw.isolation_level, raw.read_only, raw.deferrable) != (None, None, None):
            return own_ping(connection)  # psycopg's BEGIN would say more than ours
        _run(raw, b"BEGIN")
        unused_begin.add(raw)
        return True

    def outside_transaction(set_characteristic):
        def run(connection, value) -> None:
            raw = _driver_connection(connection)
            if raw in unused_begin:
                unused_begin.discard(raw)
                if raw.pgconn.transaction_status == TransactionStatus.INTRANS:
                    _run(raw, b"ROLLBACK")
            set_characteristic(connection, value)
        return run

    def do_execute(cursor, statement, parameters, context=None) -> None:
        if context is not None and context.execution_options.get("govflow_prepared"):
            cursor.execute(statement, parameters, prepare=True)
        else:
            cursor.execute(statement, parameters)

    dialect.do_execute = do_execute  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign,assignment]
    dialect.do_ping = do_ping  # type: ignore[method-assign,assignment]
    for name in ("set_isolation_level", "set_readonly", "set_deferrable"):
        setattr(dialect, name, outside_transaction(getattr(dialect, name)))


def _driver_connection(connection):
    # SQLAlchemy passes the pool's proxy of psycopg's connection, or the connection.
    return getattr(connection, "dbapi_connection", connection)


def _run(raw: psycopg.Connection, command: bytes) -> None:
    result = raw.pgconn.exec_(command)
    if result.status != ExecStatus.COMMAND_OK:
        message = raw.pgconn.error_message.decode(errors="replace").strip()
        raise psycopg.OperationalError(f"{command.decode()} failed: {message or ExecStatus(result.status).name}")


class _Cursor(psycopg.Cursor):
    @property
    def description(self):
        result = self.pgresult
        if result is None or not result.nfields:
            return super().description  # None, or psycopg's answer for "SELECT ;"
        return _Description(self, result)


class _Description(Sequence):
    """``cursor.description`` of one result, its Columns made when first read (psycopg's
    own, so names and types are exactly what it would have said)."""

    __slots__ = ("_cursor", "_result", "_columns")

    def __init__(self, cursor: _Cursor, result) -> None:
        self._cursor, self._result, self._columns = cursor, result, None

    def __len__(self) -> int:
        return self._result.nfields

    def __getitem__(self, index):
        if self._columns is None:
            # The cursor may have moved on to another result since: Column reads the
            # result from what it is given.
            of_result = _ResultOf(self._cursor, self._result)
            self._columns = [psycopg.Column(of_result, i) for i in range(self._result.nfields)]
        return self._columns[index]

    def __repr__(self) -> str:
        return repr(list(self))


class _ResultOf:
    __slots__ = ("pgresult", "_encoding", "adapters")

    def __init__(self, cursor: _Cursor, result) -> None:
        self.pgresult, self._encoding, self.adapters = result, cursor._encoding, cursor.adapters
