"""SQLite writers queue on BEGIN IMMEDIATE (govflow.database._begin_immediate): a
writer that finds the lock taken retries at a fine grain, then leaves the wait to
SQLite's own busy handler; either way it gets the lock once the holder ends, and the
connection's busy timeout is what it was."""
import threading
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from govflow import database
from govflow.database import BUSY_TIMEOUT_MS, configure_engine, writing


@pytest.fixture()
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    configure_engine(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    yield engine
    engine.dispose()


def _hold_lock(engine, held: threading.Event, release: threading.Event):
    with writing(), engine.connect() as conn:
        with conn.begin():
            conn.execute(text("INSERT INTO t (who) VALUES ('first')"))
            held.set()
            release.wait(10)


def _second_writer(engine, release: threading.Event, poll_s: float | None = None):
    """Start a write while another holds the lock, let it go after 0.3 s; returns
    (seconds the BEGIN waited, rows the second writer saw, its busy timeout after)."""
    held = threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(engine, held, release))
    holder.start()
    assert held.wait(10)
    threading.Timer(0.3, release.set).start()
    started = time.monotonic()
    with writing(), engine.connect() as conn:
        with conn.begin():
            waited = time.monotonic() - started
            seen = conn.execute(text("SELECT who FROM t ORDER BY id")).scalars().all()
            conn.execute(text("INSERT INTO t (who) VALUES ('second')"))
        timeout = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    holder.join(10)
    return waited, seen, timeout


def test_a_second_writer_waits_for_the_first_and_sees_its_commit(engine):
    waited, seen, timeout = _second_writer(engine, threading.Event())
    assert waited >= 0.25            # it did not get in while the first held the lock
    assert seen == ["first"]         # and began after the first committed
    assert timeout == BUSY_TIMEOUT_MS
    with engine.connect() as conn:
        assert conn.execute(text("SELECT who FROM t ORDER BY id")).scalars().all() == ["first", "second"]


def test_past_the_polling_window_sqlites_busy_handler_takes_over(engine, monkeypatch):
    monkeypatch.setattr(database, "_POLL_S", 0.05)
    waited, seen, timeout = _second_writer(engine, threading.Event())
    assert waited >= 0.25 and seen == ["first"] and timeout == BUSY_TIMEOUT_MS


def test_a_lock_never_released_ends_in_the_usual_error(engine, monkeypatch):
    monkeypatch.setattr(database, "_POLL_S", 0.05)
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 100)
    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(engine, held, release))
    holder.start()
    assert held.wait(10)
    try:
        with writing(), engine.connect() as conn:
            with pytest.raises(OperationalError, match="locked"):
                conn.begin()
    finally:
        release.set()
        holder.join(10)


def test_a_write_request_takes_the_lock_for_its_work_not_at_the_door(app, api_as):
    """The API's token look-up reads outside the write lock: while another writer holds
    it, a POST with an unknown token is refused at once, and a valid one waits only when
    its work begins (then completes once the lock is free)."""
    from govflow.extensions import db
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's database-wide write lock")
    client, engine = api_as("grid1"), db.engine
    held, release, answers = threading.Event(), threading.Event(), {}

    def post(name, headers):
        answers[name] = app.test_client().post("/api/v1/process-instances", headers=headers, json={
            "process_key": "no_such_process", "org_unit": "grid_yg_1"}).status_code

    def hold():
        with writing(), engine.connect() as conn, conn.begin():  # BEGIN IMMEDIATE
            conn.execute(text("SELECT 1"))
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    try:
        refused = threading.Thread(target=post, args=("refused", {"Authorization": "Bearer gf_unknown"}))
        refused.start()
        refused.join(1.5)
        assert answers.get("refused") == 401  # while the lock is still held
        working = threading.Thread(target=post, args=("working", client.headers))
        working.start()
        working.join(0.5)
        assert "working" not in answers       # its work waits for the lock …
    finally:
        release.set()
        holder.join(10)
    working.join(10)
    assert answers["working"] in (404, 422)   # … and goes on once it is free
