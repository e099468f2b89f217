"""The least a durable task step costs its database: the ceiling of issue #20's ratio.

Whatever stack runs it, completing a task must lock its instance, read the engine's
state, write the new state and commit, durably (SQLite: BEGIN IMMEDIATE … COMMIT in WAL
mode with the app's pragmas; PostgreSQL: BEGIN, SELECT … FOR UPDATE, UPDATE, COMMIT, the
statements prepared, four round trips). Measured here through the bare driver — no
SQLAlchemy, no platform, no task rows, audit or notifications — on the trivial loop's own
instances and state, a round at a time, each followed by a round of bare engine steps as
the service figure is. ``ceiling = bare step / (bare step + floor)`` is the best
service-layer ratio any code could reach on this machine and database with an engine step
as cheap as bare SpiffWorkflow's: if it is near 0.5, the target leaves the platform
nothing for its own rules.
"""
from __future__ import annotations

import statistics
import time

_BEGIN = {"sqlite": "BEGIN IMMEDIATE", "postgresql": "BEGIN"}
_READ = {"sqlite": "SELECT data FROM instance_states WHERE instance_id = ?",
         "postgresql": "SELECT s.data FROM process_instances p JOIN instance_states s ON s.instance_id = p.id "
                       "WHERE p.id = %s FOR UPDATE OF p"}
_WRITE = {"sqlite": "UPDATE instance_states SET data = ? WHERE instance_id = ?",
          "postgresql": "UPDATE instance_states SET data = %s WHERE instance_id = %s"}


def measure(engine, ids: list[int], rounds: int, bare_loop) -> dict:
    """``engine``: the app's; its pool lends the connection, so the driver is set up as
    the app's is (SQLite's pragmas, psycopg's settings) while no statement goes through
    SQLAlchemy. ``bare_loop``: a trivial.BareLoop over as many instances, stepped once
    after each round of transactions. Writes back the state it read with a trailing
    space added or taken away: still the same JSON, but changed bytes, as a real step's
    are (SQLite does not write a row whose bytes are the same)."""
    kind = engine.dialect.name
    step = _sqlite_step if kind == "sqlite" else _postgres_step
    wall: list[float] = []
    pooled = engine.raw_connection()
    try:
        # On PostgreSQL the pool's liveness check is a BEGIN (govflow/pg_driver.py): the
        # first round's first transaction is that one, every later one psycopg's own.
        connection = pooled.driver_connection
        for _ in range(rounds):
            for instance_id in ids:
                started = time.perf_counter()
                step(connection, instance_id)
                wall.append(time.perf_counter() - started)
            bare_loop.round()
    finally:
        pooled.close()
    floor_ms = statistics.median(wall) * 1000
    bare = bare_loop.rates()
    bare_ms = 1000 / bare["steps_per_s"]
    return {"transaction_ms_median": round(floor_ms, 3), "bare_steps_per_s": bare["steps_per_s"],
            "ceiling": round(bare_ms / (bare_ms + floor_ms), 3),
            "what": f"{_BEGIN[kind]}; {_READ[kind]}; {_WRITE[kind]}; COMMIT"}


def _sqlite_step(connection, instance_id: int) -> None:
    connection.execute(_BEGIN["sqlite"])
    (data,) = connection.execute(_READ["sqlite"], (instance_id,)).fetchone()
    connection.execute(_WRITE["sqlite"], (_changed(data), instance_id))
    connection.execute("COMMIT")


def _postgres_step(connection, instance_id: int) -> None:
    with connection.cursor() as cursor:  # psycopg sends BEGIN before the first statement
        (data,) = cursor.execute(_READ["postgresql"], (instance_id,), prepare=True).fetchone()
        cursor.execute(_WRITE["postgresql"], (_changed(data), instance_id), prepare=True)
    connection.commit()


def _changed(state: str) -> str:
    return state[:-1] if state.endswith(" ") else state + " "
