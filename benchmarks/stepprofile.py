"""Where the time of a service-layer step goes (cold cache, as the named figure).

Pass 1 wraps the functions of the change path at run time (nothing in govflow/ is
edited) and times each phase exclusive of the phases inside it; every SQL statement
is timed through SQLAlchemy's cursor events and charged to "SQL execution", not to the
phase that issued it. Pass 2 runs the same steps under cProfile and sums own time per
library. Statements are counted per step, by text.
"""
from __future__ import annotations

import cProfile
import functools
import pstats
import re
import time
from collections import Counter, defaultdict

from .harness import OUT, Database, make_app, part_main
from .scenario import load, open_task_id, setup_platform, start, store_photo, with_uploads

#: (module or class path, attribute, phase name), outermost first.
PHASES = [
    ("govflow.worklist.service", "get_visible_task", "access check (can_see_task)"),
    ("govflow.worklist.service", "lock_task_instance", "lock instance, read its open tasks"),
    ("govflow.instances.runtime", "lock_instance", "lock instance row (reused in the transaction)"),
    ("govflow.instances.runtime", "load_engine", "load state + deserialize"),
    ("govflow.worklist.service", "validate_submission", "form validation"),
    ("govflow.engine.runtime:EngineInstance", "complete", "engine: complete task"),
    ("govflow.engine.runtime:EngineInstance", "run", "engine: run to next wait"),
    ("govflow.instances.runtime", "sync_after_step", "sync task table / instance row"),
    ("govflow.engine.runtime:EngineInstance", "ready_user_tasks", "engine: describe ready tasks"),
    ("govflow.engine.runtime:EngineInstance", "variables", "engine: read variables"),
    ("govflow.instances.sync", "json_safe", "variables copy (json_safe)"),
    ("govflow.instances.sync", "resolve_scope", "resolve task scope"),
    ("govflow.engine", "compact", "history compaction"),
    ("govflow.engine.runtime:EngineInstance", "dump", "serialize state"),
    ("sqlalchemy.orm:Session", "flush", "ORM flush (unit of work)"),
    ("govflow.instances.runtime", "write_step", "step writes: state, changed rows, candidates, notifications, audit"),
    ("govflow.database", "commit", "commit"),
]
SQL = "SQL execution (driver + database)"
HANDLERS = "service-task handlers"


class PhaseTimer:
    def __init__(self):
        self.stack: list[list] = []
        self.totals: Counter = Counter()
        self.calls: Counter = Counter()
        #: Only the timed part of a step counts (not the worklist look-up before it).
        self.active = False

    def enter(self, name: str) -> None:
        self.stack.append([name, time.perf_counter(), 0.0])

    def leave(self) -> None:
        name, started, inner = self.stack.pop()
        elapsed = time.perf_counter() - started
        self.totals[name] += elapsed - inner
        self.calls[name] += 1
        if self.stack:
            self.stack[-1][2] += elapsed

    def wrap(self, fn, name: str):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            if not self.active or (self.stack and self.stack[-1][0] == name):  # recursion: json_safe
                return fn(*args, **kwargs)
            self.enter(name)
            try:
                return fn(*args, **kwargs)
            finally:
                self.leave()
        return timed


def _install(timer: PhaseTimer) -> None:
    import importlib

    from govflow import engine
    from govflow.instances.handlers import call_handler
    for target, attribute, name in PHASES:
        module_name, _, class_name = target.partition(":")
        owner = importlib.import_module(module_name)
        if class_name:
            owner = getattr(owner, class_name)
        setattr(owner, attribute, timer.wrap(getattr(owner, attribute), name))
    engine.configure(service_caller=timer.wrap(call_handler, HANDLERS))


def _watch_sql(timer: PhaseTimer, statements: dict):
    from sqlalchemy import event

    from govflow.extensions import db

    @event.listens_for(db.engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        if timer.active:
            timer.enter(SQL)

    @event.listens_for(db.engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        if not timer.active:
            return
        started = timer.stack[-1][1]
        timer.leave()
        key = _statement_key(statement)
        statements[key][0] += 1
        statements[key][1] += time.perf_counter() - started


def _statement_key(statement: str) -> str:
    text = re.sub(r"\s+", " ", statement).strip()
    match = re.match(r"(SELECT|INSERT INTO|UPDATE|DELETE FROM|BEGIN|COMMIT)\b(.*)", text, re.I)
    if not match:
        return text[:60]
    verb, rest = match.group(1).upper(), match.group(2)
    table = re.search(r"\bFROM (\w+)", rest) if verb == "SELECT" else re.match(r"\s*(\w+)", rest)
    where = re.search(r"\bWHERE (.{0,90})", rest)
    return f"{verb} {table.group(1) if table else ''}" + (f" WHERE {where.group(1)}" if where else "")


def _steps(scenario, principals, instances: int, begin=lambda: None, end=lambda: None) -> float:
    """The cold steps of benchmarks/service.py; ``begin``/``end`` bracket each timed part."""
    from govflow.database import commit, writing
    from govflow.extensions import db
    from govflow.instances.runtime import engine_cache
    from govflow.worklist.service import complete_task
    ids = [start(scenario) for _ in range(instances)]
    total = 0.0
    for step in scenario.main:
        for instance_id in ids:
            engine_cache.clear()
            task_id = open_task_id(instance_id, step.element_id)
            values = with_uploads(step.values, lambda step=step: store_photo(principals[step.username].user_id))
            begin()
            started = time.perf_counter()
            with writing():
                complete_task(task_id, principals[step.username], values)
                commit()
            total += time.perf_counter() - started
            end()
            db.session.remove()
    return total


def _by_library(stats: pstats.Stats) -> dict:
    buckets: Counter = Counter()
    for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        buckets[_library(filename)] += own
    total = sum(buckets.values())
    return {k: {"seconds": round(v, 4), "share": round(v / total, 3)} for k, v in buckets.most_common()}


def _library(filename: str) -> str:
    for marker, label in (("SpiffWorkflow", "SpiffWorkflow"), ("sqlalchemy", "SQLAlchemy"),
                          ("govflow/engine", "govflow.engine (parser, sandbox, JUEL, compaction)"),
                          ("govflow/", "govflow (platform)"), ("marshmallow", "marshmallow"),
                          ("psycopg", "psycopg"), ("flask", "Flask"), ("json", "json"),
                          ("sqlite3", "sqlite3"), ("{method", "C methods/builtins"), ("{built-in", "C methods/builtins"),
                          ("uuid", "uuid"), ("copy.py", "copy (deepcopy)")):
        if marker in filename:
            return label
    return "other stdlib"


def run(scale, db_kind: str) -> dict:
    scenario = load()
    database = Database(db_kind, "profile").create()
    app = make_app(database.url)
    result = {"scenario": scenario.name, "db": db_kind}
    try:
        with app.app_context():
            principals = setup_platform(scenario)
            _steps(scenario, principals, 2)  # warm-up
            steps = scale.profile_instances * len(scenario.main)

            profiler = cProfile.Profile()
            _steps(scenario, principals, scale.profile_instances, profiler.enable, profiler.disable)
            profiler.dump_stats(str(OUT / f"step_{db_kind}.prof"))
            stats = pstats.Stats(profiler)
            result["cprofile_by_library"] = _by_library(stats)
            result["cprofile_top"] = _top(stats, steps)

            timer, statements = PhaseTimer(), defaultdict(lambda: [0, 0.0])
            _install(timer)
            _watch_sql(timer, statements)
            wall = _steps(scenario, principals, scale.profile_instances,
                          lambda: setattr(timer, "active", True), lambda: setattr(timer, "active", False))
            per_step = {name: round(seconds / steps * 1000, 3) for name, seconds in timer.totals.most_common()}
            phased = sum(timer.totals.values())
            per_step["other (queries built and loaded by the ORM, session, glue)"] = round(
                (wall - phased) / steps * 1000, 3)
            result["steps"] = steps
            result["step_ms"] = round(wall / steps * 1000, 3)
            result["phases_ms_per_step"] = per_step
            result["statements_per_step"] = round(sum(n for n, _ in statements.values()) / steps, 2)
            result["statements"] = sorted(([k, round(n / steps, 2), round(s / steps * 1000, 3)]
                                           for k, (n, s) in statements.items()), key=lambda x: -x[2])
            from govflow.extensions import db
            db.session.remove()
            db.engine.dispose()
    finally:
        database.drop()
    return result


def _top(stats: pstats.Stats, steps: int, limit: int = 25) -> list:
    rows = []
    for (filename, line, name), (_cc, calls, own, cumulative, _callers) in stats.stats.items():
        rows.append([f"{_short(filename)}:{line}({name})", round(calls / steps, 1),
                     round(own / steps * 1000, 3), round(cumulative / steps * 1000, 3)])
    return sorted(rows, key=lambda r: -r[2])[:limit]


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/work/main/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


if __name__ == "__main__":
    part_main(run)
