"""What a step costs in SQL (issue #20): every statement of a completion in steady state
comes from SQLAlchemy's compiled cache, instead of being compiled again per request.
PostgreSQL's round trips and prepared statements: test_postgres_driver.py."""
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



def test_on_sqlite_the_token_look_up_begins_no_transaction_of_its_own(loop_instance, api_as):
    """The look-up reads by itself, through the driver (database.read_before_work): a
    completion over the API begins one transaction, BEGIN IMMEDIATE, and an instance
    read one read transaction — a transaction begun and rolled back around the look-up
    cost an eighth of the CPU of a completion over HTTP."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's transactions")
    grid = api_as("grid1")
    _complete_open_task(grid, loop_instance)
    begun: list[str] = []

    def record(_conn, _cursor, statement, *_):
        if statement.startswith("BEGIN"):
            begun.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert grid.get(f"/process-instances/{loop_instance}").status_code == 200
        reads = list(begun)
        begun.clear()
        _complete_open_task(grid, loop_instance)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert reads == ["BEGIN"]
    assert begun == ["BEGIN", "BEGIN IMMEDIATE"]  # the GET of the open task, then the completion
    assert grid.get("/process-instances/999999").status_code == 404
    assert api_as("grid1").client.get("/api/v1/process-instances/1", headers={
        "Authorization": "Bearer gf_unknown"}).status_code == 401


def test_the_benchmarks_durable_floor_commits_a_changed_state_and_leaves_it_usable(loop_instance, api_as):
    """benchmarks/floor.py: the ceiling of issue #20's ratio is only honest if its bare
    transaction really writes (SQLite skips a row whose bytes did not change) and commits
    through the driver, on either database; the instance must still run afterwards."""
    from benchmarks import floor
    from benchmarks.trivial import BareLoop
    from govflow.instances.models import InstanceState

    def state() -> str:
        db.session.remove()
        return db.session.get_one(InstanceState, loop_instance).data

    before = state()
    db.session.remove()
    result = floor.measure(db.engine, [loop_instance], 3, BareLoop(1))
    assert state() == before + " "  # three rounds: added, taken away, added — each committed
    assert 0 < result["ceiling"] < 1 and result["transaction_ms_median"] > 0, result
    _complete_open_task(api_as("grid1"), loop_instance)
