"""Target 3: one instance through many rework rounds; does a step get dearer?

The platform side drives the scenario's rework loop through the service layer with a
cold engine cache (every step deserializes the saved state, as the bare engine does),
then leaves the loop and runs to the end. A step "at round N" is the median of the
steps of rounds N-4 … N+5 (N-9 … N for the last round), which keeps one slow commit
from deciding the figure. The bare library (JSON round trip, no compaction) runs the
same loop for the plot, for as many rounds as it manages before stalling.
"""
from __future__ import annotations

import statistics

from . import bare
from .harness import Database, make_app, part_main
from .scenario import complete, finish, load, setup_platform, start


def window(points: list, round_no: int, last_round: int) -> float:
    low, high = (round_no - 9, round_no) if round_no >= last_round - 4 else (round_no - 4, round_no + 5)
    values = [seconds for r, _e, seconds in points if low <= r <= high]
    return statistics.median(values) * 1000


def platform(scenario, rounds: int) -> dict:
    from govflow.extensions import db
    from govflow.instances.models import InstanceState
    from govflow.instances.runtime import engine_cache
    principals = setup_platform(scenario)
    instance_id = start(scenario)
    for step in scenario.prefix:
        complete(instance_id, step, principals)
    points, cpu_points, sizes = [], [], []
    for round_no in range(1, rounds + 1):
        for step in scenario.rework:
            engine_cache.clear()
            cpu: list[float] = []
            points.append([round_no, step.element_id, round(complete(instance_id, step, principals, cpu), 6)])
            cpu_points.append([round_no, step.element_id, round(cpu[0], 6)])
        if round_no in (1, 10) or round_no % 50 == 0 or round_no == rounds:
            sizes.append([round_no, len(db.session.get(InstanceState, instance_id).data)])
            db.session.remove()
    status = finish(instance_id, scenario, principals)
    return {"rounds": rounds, "points": points, "cpu_points": cpu_points, "state_bytes": sizes,
            "final_status": status}


def run(scale, db_kind: str) -> dict:
    scenario = load()
    rounds = scale.history_rounds
    database = Database(db_kind, "history").create()
    app = make_app(database.url)
    try:
        with app.app_context():
            result = platform(scenario, rounds)
            from govflow.extensions import db
            db.session.remove()
            db.engine.dispose()
    finally:
        database.drop()
    at10, at_end = window(result["points"], 10, rounds), window(result["points"], rounds, rounds)
    cpu10, cpu_end = window(result["cpu_points"], 10, rounds), window(result["cpu_points"], rounds, rounds)
    result.update(scenario=scenario.name, db=db_kind, step_ms_round_10=round(at10, 3),
                  step_ms_last_round=round(at_end, 3), ratio=round(at_end / at10, 3),
                  cpu_ms_round_10=round(cpu10, 3), cpu_ms_last_round=round(cpu_end, 3),
                  ratio_cpu=round(cpu_end / cpu10, 3))
    library = bare.history(scenario, scale.bare_history_rounds, "library_json")
    if library["points"]:
        last = library["points"][-1][0]
        library["step_ms_round_1"] = round(window(library["points"], 5, last), 3) if last >= 5 else None
        library["step_ms_last_round"] = round(window(library["points"], last, last), 3)
    result["bare_library"] = library
    return result


if __name__ == "__main__":
    part_main(run)
