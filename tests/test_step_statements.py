"""What a step costs in SQL (issue #20): every statement of a completion in steady state
comes from SQLAlchemy's compiled cache, instead of being compiled again per request."""
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine.interfaces import CacheStats

from govflow.extensions import db

from .conftest import deployer

BENCH_FIXTURES = Path(__file__).parent.parent / "benchmarks" / "fixtures"


@pytest.fixture
def loop_instance(org, api_as):
    """An instance of the benchmark's trivial loop (two user tasks, left when ``done``)."""
    deployer(BENCH_FIXTURES)("trivial_loop.bpmn")
    r = api_as("admin").post("/process-instances", {"process_key": "trivial_loop", "org_unit": "grid_yg_1",
                                                    "variables": {"done": False}})
    assert r.status_code == 201, r.json
    return r.json["id"]


def _complete_open_task(client, instance_id: int) -> None:
    task = next(t for t in client.get(f"/process-instances/{instance_id}").json["tasks"] if t["status"] == "open")
    r = client.post(f"/tasks/{task['id']}/complete", {"variables": {"done": False}})
    assert r.status_code == 200, r.json


def test_a_completion_in_steady_state_compiles_nothing(loop_instance, api_as):
    grid = api_as("grid1")
    for _ in range(3):  # the first steps fill the caches
        _complete_open_task(grid, loop_instance)
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, _params, context, _many):
        if context is not None and context.compiled is not None:
            seen.append((statement.split("\n", 1)[0][:80], context.cache_hit))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        _complete_open_task(grid, loop_instance)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(seen) >= 4, seen  # the lock, the task insert, the composite write …
    compiled_again = [s for s in seen if s[1] is not CacheStats.CACHE_HIT]
    assert not compiled_again, compiled_again


def _prepared_after(work) -> int:
    """Prepared statements on one pooled connection after ``work(connection)``."""
    from sqlalchemy import text
    with db.engine.connect() as connection:
        work(connection)
        return connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()


def _read_and_roll_back(connection, times: int = 7) -> None:
    from sqlalchemy import text
    for _ in range(times):  # psycopg prepares at the fifth run
        connection.execute(text("SELECT id FROM users WHERE username = :name"), {"name": "grid1"}).all()
        connection.rollback()


@pytest.fixture
def postgres(org):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")


def test_prepared_statements_outlive_a_read_only_rollback(postgres):
    """Every read-only request ends with a ROLLBACK; psycopg alone forgets its prepared
    statements there, so PostgreSQL parsed and planned every statement anew."""
    assert _prepared_after(_read_and_roll_back) >= 1


def test_a_rollback_after_a_schema_change_forgets_them(postgres):
    from sqlalchemy import text

    def work(connection):
        _read_and_roll_back(connection)
        connection.execute(text("CREATE TEMPORARY TABLE scratch (n integer)"))
        connection.rollback()
    assert _prepared_after(work) == 0


def test_a_failed_transaction_still_rolls_back(postgres):
    from sqlalchemy import text
    from sqlalchemy.exc import ProgrammingError

    def work(connection):
        _read_and_roll_back(connection)
        with pytest.raises(ProgrammingError):
            connection.execute(text("SELECT no_such_column FROM users"))
        connection.rollback()
        assert connection.execute(text("SELECT count(*) FROM users WHERE username = 'grid1'")).scalar_one() == 1
    assert _prepared_after(work) >= 1


def test_prepared_statements_can_be_switched_off(postgres):
    """For a pgbouncer in transaction pooling that cannot carry them."""
    from govflow import create_app
    url = db.engine.url.render_as_string(hide_password=False)
    other = create_app({"DATABASE_URL": url, "DATABASE_PREPARED_STATEMENTS": False})
    with other.app_context():
        try:
            assert _prepared_after(_read_and_roll_back) == 0
        finally:
            db.engine.dispose()
