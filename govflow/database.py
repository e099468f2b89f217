"""Database set-up and the one commit point.

SQLite is the embedded default: WAL for concurrent readers, and write
transactions that start with ``BEGIN IMMEDIATE`` so that two writers queue on
the lock instead of one failing half-way with "database is locked". PostgreSQL
uses row locks (``SELECT … FOR UPDATE``) on the instance being changed.
"""
from __future__ import annotations

import contextlib
import contextvars
import sqlite3
import time
from typing import TypeVar

from sqlalchemy import Select, event, text
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import Executable

from .errors import Conflict, DomainError
from .extensions import db

_Statement = TypeVar("_Statement", bound=Executable)
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=False)


def set_write_intent(value: bool = True):
    """Mark the current request or job as one that will write (SQLite: BEGIN IMMEDIATE)."""
    return _write_intent.set(value)


def reset_write_intent(token) -> None:
    _write_intent.reset(token)


@contextlib.contextmanager
def writing():
    token = set_write_intent(True)
    try:
        yield
    finally:
        reset_write_intent(token)


# SQLite table hints (``INDEXED BY ix``, ``NOT INDEXED``) through the usual
# ``select().with_hint(Model, hint, "sqlite")``: SQLAlchemy's SQLite compiler drops
# hints, and SQLite without range statistics needs them for a few list queries
# (govflow/instances/listing.py). Other dialects never see "sqlite" hints.
# Patching SQLAlchemy's compiler is the point here, which its typing does not foresee.
SQLiteCompiler.get_from_hint_text = lambda _self, _table, text: text  # type: ignore[method-assign,assignment]


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        from .pg_driver import configure_psycopg
        configure_psycopg(engine)
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        immediate = _write_intent.get()
        if immediate:
            _begin_immediate(conn)
        else:
            conn.exec_driver_sql("BEGIN")
        conn.info["immediate"] = immediate
        conn.info["wrote"] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _track_writes(conn, _cursor, statement, _params, _context, _many):
        if statement.lstrip()[:6].upper() not in ("SELECT", "PRAGMA", "BEGIN "):
            conn.info["wrote"] = True


#: How long a statement waits for SQLite's lock before "database is locked".
BUSY_TIMEOUT_MS = 30000
#: How long a writer polls for the write lock itself before leaving the wait to SQLite.
_POLL_S = 2.0


def _begin_immediate(conn) -> None:
    """BEGIN IMMEDIATE, retried at a fine grain while another writer holds the lock.

    SQLite's own busy handler sleeps 1, 2, 5, 10 … ms between tries, so a writer that
    arrives while a 3 ms completion commits sleeps 8 ms: with two gunicorn workers a
    third of the machine sat idle. Here the wait is in steps of 0.1 to 1 ms (the pragma
    is a setting of this connection, no I/O); after ``_POLL_S`` the usual handler takes
    over, with its timeout and its error.
    """
    raw = conn.connection.dbapi_connection
    raw.execute("PRAGMA busy_timeout=0")
    try:
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # as every statement: seen by listeners
            return
        except OperationalError as exc:
            if not _locked(exc.orig):
                raise
        # The retries go to the driver: SQLAlchemy's handling of a failed statement
        # costs more than the statement.
        deadline, pause = time.monotonic() + _POLL_S, 0.0001
        while time.monotonic() < deadline:
            time.sleep(pause)
            pause = min(pause * 2, 0.001)
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _locked(exc):
                    raise
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _locked(error) -> bool:
    return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)


def ensure_write_transaction() -> None:
    """Make sure the coming writes run in a transaction that began for writing.

    On SQLite a transaction that began deferred (a read earlier in the same unit
    of work) holds a snapshot; if another writer commits meanwhile, its first
    write fails at once with SQLITE_BUSY_SNAPSHOT. When nothing was written yet,
    that read transaction is ended here so the next statement begins IMMEDIATE.
    """
    session = db.session()
    if db.engine.dialect.name != "sqlite" or not session.in_transaction():
        return
    connection = session.connection()
    if connection.info.get("immediate") or connection.info.get("wrote") \
            or session.new or session.dirty or session.deleted:
        return
    session.rollback()


#: read_before_work's statements compiled for SQLite's driver (statements hash by identity).
_DRIVER_READS: dict[Select, SQLCompiler] = {}


def read_before_work(statement: Select, params: dict) -> list:
    """The rows of a read a request makes before its work (the API's token look-up).

    On SQLite it runs by itself, outside any transaction, through the driver on a
    connection of the pool: the database's write lock is taken by the work's first
    statement, not held from the request's first; a request refused at the door (an
    unknown token) never waits for the lock; and no transaction is begun and ended
    around it — SQLAlchemy's begin, rollback and ORM execution of that were an eighth
    of the CPU of a task completion over HTTP. Values come as the driver gives them
    (a boolean as 0 or 1). On PostgreSQL, or when the request's transaction has begun
    already, it is a statement of that transaction."""
    session = db.session()
    if db.engine.dialect.name != "sqlite" or session.in_transaction():
        return list(session.execute(statement, params).all())
    compiled = _DRIVER_READS.get(statement)
    if compiled is None:
        compiled = statement.compile(dialect=db.engine.dialect)
        if "POSTCOMPILE" in compiled.string:  # rendered per run by SQLAlchemy, not here
            raise ValueError("read_before_work takes statements without expanding (IN) parameters")
        _DRIVER_READS[statement] = compiled
    values = compiled.construct_params(params)
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(compiled.string, [values[name] for name in compiled.positiontup or ()])
        return list(cursor.fetchall())
    finally:
        raw.close()


def prepared(statement: _Statement) -> _Statement:
    """``statement``, prepared once per PostgreSQL connection (govflow/pg_driver.py): for
    the statements every step and request runs, by key, whose best plan does not depend
    on the values. Others (lists, searches, counts over a jurisdiction) are planned for
    their values at every run, as they must be."""
    return statement.execution_options(govflow_prepared=True)


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def epoch_seconds(column):
    """Seconds since 1970 of a naive-UTC datetime column, in SQL (for arithmetic on times)."""
    from sqlalchemy import func
    if is_postgres():
        return func.extract("epoch", column)
    return (func.julianday(column) - 2440587.5) * 86400.0


def commit() -> None:
    """Commit the unit of work; a lost race becomes a :class:`Conflict`.

    Views and jobs never call ``db.session.commit()`` themselves: this is the
    only place, so the error mapping and the after-commit hooks are uniform.
    """
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        raise Conflict("someone else changed this record first; reload and try again") from exc
    except OperationalError as exc:
        db.session.rollback()
        if "locked" in str(exc).lower() or "deadlock" in str(exc).lower():
            raise Conflict("the record is busy; try again") from exc
        raise


@contextlib.contextmanager
def separate_transaction():
    """A short transaction of its own, committed on leaving the block (rolled back on an
    exception), whatever becomes of the request's unit of work afterwards.

    For the few writes that must survive a refusal — failed-login counts, rate-limit
    hits — so that no view commits or rolls back by hand. SQLite has one writer at a
    time, so the request's own transaction is ended first; it must not have written
    yet (those writes would be lost: a RuntimeError says so)."""
    session = db.session()
    if db.engine.dialect.name == "sqlite" and session.in_transaction():
        connection = session.connection()
        if connection.info.get("wrote") or session.new or session.dirty or session.deleted:
            raise RuntimeError("separate_transaction() after the request has written")
        session.rollback()
    token = set_write_intent(True)
    try:
        with Session(db.engine, expire_on_commit=False) as own, own.begin():
            yield own
    finally:
        reset_write_intent(token)


#: Lists count matching rows up to this many; beyond it the count is a lower bound
#: (exact counts of hundreds of thousands of rows cost more than the page itself).
COUNT_CAP = 10_000


def capped_count(query) -> tuple[int, bool]:
    """``(count, capped)`` of ``query``'s rows, counting at most COUNT_CAP + 1."""
    from sqlalchemy import func, select
    limited = query.with_only_columns(query.selected_columns[0]).order_by(None).limit(COUNT_CAP + 1)
    total = db.session.execute(select(func.count()).select_from(limited.subquery())).scalar_one()
    return min(total, COUNT_CAP), total > COUNT_CAP


def plan_for_these_values() -> None:
    """Make PostgreSQL plan the rest of this transaction's statements for their actual
    parameters. psycopg prepares a statement after its fifth run, and PostgreSQL may then
    keep one generic plan for every value: for a search that is right for a community
    and ruinous for a district (the subtree index, then sorting 99,000 completed cases:
    190 ms instead of 1 ms walking the primary key newest first). A list's planning
    costs well under a millisecond; statements by primary key keep their cached plans."""
    if is_postgres():
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


@contextlib.contextmanager
def undone_if_refused():
    """Run one action so that a refusal (a DomainError) leaves nothing of it.

    For views that answer a refusal with a page of their own (the form again with
    its errors, a message on the page it came from) instead of letting the error
    propagate: the action runs in a savepoint, rolled back when it raises, and the
    request's one commit keeps what came before it (files already uploaded) and
    nothing of the refused action. The error still propagates to the view."""
    savepoint = db.session.begin_nested()
    try:
        yield
    except DomainError:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    savepoint.commit()
