"""Target 1: user steps through the platform's service layer (``complete_task`` + commit).

The same instances and steps as benchmarks/bare.py, interleaved the same way. Two
passes, on fresh instances each:

* ``cold`` — the engine cache is emptied before every step, so each step loads the
  saved state from the database and deserializes it, like the bare engine's round
  trip. This is the named figure: in production the next step of an instance usually
  comes hours later, on either gunicorn worker, long after its cache entry left.
* ``warm`` — the platform as it runs back to back: the engine stays cached between
  the steps of an instance.
"""
from __future__ import annotations

import time

from .harness import Database, make_app, part_main, summary_ms
from .scenario import Scenario, complete, load, setup_platform, start


def drive(scenario: Scenario, principals: dict, instances: int, cold: bool) -> dict:
    from govflow.instances.runtime import engine_cache
    ids = [start(scenario) for _ in range(instances)]
    times: dict[str, list[float]] = {}
    cpu: list[float] = []
    for step in scenario.main:
        for instance_id in ids:
            if cold:
                engine_cache.clear()
            times.setdefault(step.element_id, []).append(complete(instance_id, step, principals, cpu))
    every = [t for values in times.values() for t in values]
    out = summary_ms(every)
    out["steps_per_s"] = round(1 / (sum(every) / len(every)), 2)
    #: in this process only: the database server's share is missing on PostgreSQL
    out["cpu_ms_mean"] = round(sum(cpu) / len(cpu) * 1000, 3)
    out["per_element"] = {k: summary_ms(v) for k, v in times.items()}
    return out


def start_times(scenario: Scenario, count: int) -> dict:
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        start(scenario)
        seconds.append(time.perf_counter() - started)
    return summary_ms(seconds)


def run(scale, db_kind: str) -> dict:
    scenario = load()
    database = Database(db_kind, "service").create()
    app = make_app(database.url)
    try:
        with app.app_context():
            principals = setup_platform(scenario)
            drive(scenario, principals, 2, cold=True)  # warm-up: imports, bundle and expression caches
            result = {"scenario": scenario.name, "db": db_kind, "instances": scale.instances,
                      "cold": drive(scenario, principals, scale.instances, cold=True),
                      "warm": drive(scenario, principals, scale.instances, cold=False),
                      "start": start_times(scenario, scale.instances)}
            from govflow.extensions import db
            db.session.remove()
            db.engine.dispose()
    finally:
        database.drop()
    return result


if __name__ == "__main__":
    part_main(run)
