"""Target 6: timers, fired by the platform's own worker (``flask --app wsgi worker``).

* latency — gunicorn serves a steady client completing case steps (normal load)
  while the worker polls; probe instances of ``fixtures/timer_wait.bpmn`` (a timer,
  then a follow-up task) are started over the API with a 3-second timer. Latency =
  the ``timer_checked`` audit event's time minus the due time it records.
* backlog — ``timer_backlog`` instances already due (one started with the clock an
  hour back, then copied row for row with fresh engine task ids, which is what
  starting them one by one would leave), drained by ``worker --once``: one worker on
  SQLite; two at once on PostgreSQL, where every timer must fire exactly once
  (one ``timer_checked`` event and one follow-up task per instance). Drain rate =
  timers fired / (last - first firing).
"""
from __future__ import annotations

import re
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .harness import Database, make_app, part_main, percentile
from .http_api import ApiDriver
from .scenario import load, setup_platform
from .server import flask_worker, gunicorn, prepare

FIXTURE = Path(__file__).parent / "fixtures" / "timer_wait.bpmn"
DRAIN_LIMIT_S = 1800


def _deploy_fixture() -> None:
    from govflow.database import commit, writing
    from govflow.definitions.service import deploy
    with writing():
        deploy({FIXTURE.name: FIXTURE.read_bytes()})
        commit()


def _fire_events(since_id: int = 0) -> list:
    from sqlalchemy import select

    from govflow.extensions import db
    from govflow.instances.models import InstanceEvent
    rows = db.session.execute(select(InstanceEvent.instance_id, InstanceEvent.at, InstanceEvent.data).where(
        InstanceEvent.kind == "timer_checked", InstanceEvent.id > since_id)).all()
    db.session.remove()
    return rows


# -- latency under load ------------------------------------------------------------
def latency(db_kind: str, probes: int) -> dict:
    scenario = load()
    database, tokens = prepare(db_kind, f"timer_latency_{db_kind}", scenario, scenario.users)
    app = make_app(database.url, migrate=False)
    with app.app_context():
        _deploy_fixture()
    stop, load_steps, errors = threading.Event(), [], []
    try:
        with gunicorn(database.url, log_name=f"gunicorn_timers_{db_kind}") as (port, _), \
                flask_worker(database.url, log_name=f"worker_latency_{db_kind}"):
            driver = ApiDriver(port, tokens, scenario)

            def background():
                try:
                    for _ in range(10_000):  # bounded; stopped long before
                        instance_id = driver.start()
                        for step in scenario.main:
                            if stop.is_set():
                                return
                            task_id, _lookup = driver.task_id(instance_id, step)
                            load_steps.append(driver.complete(task_id, step))
                except Exception as exc:  # noqa: BLE001 - reported with the result
                    errors.append(repr(exc))

            thread = threading.Thread(target=background, daemon=True)
            thread.start()
            with app.app_context():
                # One probe first, not counted: the worker process must have started.
                _await_fired([_probe(driver)], limit_s=90)
                probe_ids = []
                for _ in range(probes):
                    probe_ids.append(_probe(driver))
                    time.sleep(1.5)
                fired = _await_fired(probe_ids, limit_s=60)
            stop.set()
            thread.join(timeout=60)
    finally:
        database.drop()
    delays = [(r.at - datetime.fromisoformat(r.data["due"])).total_seconds() for r in fired.values()]
    return {"probes": len(probe_ids), "fired": len(fired), "max_s": round(max(delays), 3) if delays else None,
            "p95_s": round(percentile(delays, 95), 3) if delays else None,
            "delays_s": [round(d, 3) for d in delays], "load_steps_completed": len(load_steps),
            "load_step_median_ms": round(sorted(load_steps)[len(load_steps) // 2] * 1000, 1) if load_steps else None,
            "load_errors": errors[:3]}


def _probe(driver: ApiDriver) -> int:
    status, body, _ = driver.clients["grid1"].post("/api/v1/process-instances", {
        "process_key": "bench_timer", "org_unit": "grid_yg_1", "variables": {"wait_for": "PT3S"}})
    if status != 201:
        raise RuntimeError(f"probe start answered {status}: {body}")
    return body["id"]


def _await_fired(ids: list[int], limit_s: float) -> dict:
    deadline = time.monotonic() + limit_s
    fired = {}
    while time.monotonic() < deadline:
        fired = {r.instance_id: r for r in _fire_events() if r.instance_id in ids}
        if len(fired) == len(ids):
            break
        time.sleep(0.25)
    return fired


# -- backlog ------------------------------------------------------------------------
def _clone_due_instances(count: int) -> int:
    """One instance started an hour ago (timer long due), plus ``count - 1`` copies of
    its rows; returns the template's id."""
    from sqlalchemy import insert, select

    from govflow.database import commit, writing
    from govflow.engine import clock
    from govflow.extensions import db
    from govflow.instances.models import InstanceEvent, InstanceState, ProcessInstance
    from govflow.instances.service import start_instance
    with clock.frozen_at(datetime.now(UTC) - timedelta(hours=1)), writing():
        template_id = start_instance("bench_timer", "grid_yg_1", {"wait_for": "PT5S"}).id
        commit()
    template = db.session.get(ProcessInstance, template_id)
    row = {c.key: getattr(template, c.key) for c in ProcessInstance.__table__.columns}
    state = db.session.get(InstanceState, template_id).data
    ids = sorted(set(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", state)))
    first = db.session.scalar(select(db.func.max(ProcessInstance.id))) + 1
    for offset in range(0, count - 1, 2000):
        batch = range(first + offset, first + min(offset + 2000, count - 1))
        instances, states, events = [], [], []
        for new_id in batch:
            text = state
            for old in ids:
                text = text.replace(old, str(uuid.uuid4()))
            instances.append({**row, "id": new_id})
            states.append({"instance_id": new_id, "data": text})
            events.append({"instance_id": new_id, "kind": "instance_started", "at": row["started_at"]})
        with writing():
            db.session.execute(insert(ProcessInstance.__table__), instances)
            db.session.execute(insert(InstanceState.__table__), states)
            db.session.execute(insert(InstanceEvent.__table__), events)
            commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('process_instances', 'id'), "
                                 "(SELECT max(id) FROM process_instances))")
            conn.exec_driver_sql("ANALYZE")
    db.session.remove()
    return template_id


def backlog(db_kind: str, count: int, workers: int) -> dict:
    from sqlalchemy import func, select

    from govflow.extensions import db
    from govflow.instances.models import InstanceEvent, ProcessInstance
    from govflow.worklist.models import HumanTask
    scenario = load()
    database = Database(db_kind, f"timer_backlog_{db_kind}").create()
    app = make_app(database.url)
    try:
        with app.app_context():
            setup_platform(scenario)
            _deploy_fixture()
            _clone_due_instances(count)
            due = db.session.scalar(select(func.count()).select_from(ProcessInstance).where(
                ProcessInstance.process_key == "bench_timer", ProcessInstance.next_timer_at <= datetime.utcnow()))
            db.session.remove()
        started = time.perf_counter()
        with _workers(database.url, workers, db_kind) as processes:
            deadline = time.monotonic() + DRAIN_LIMIT_S
            while any(p.poll() is None for p in processes) and time.monotonic() < deadline:
                time.sleep(0.2)
            timed_out = any(p.poll() is None for p in processes)
        wall = time.perf_counter() - started
        with app.app_context():
            fired = _fire_events()
            per_instance = db.session.execute(select(InstanceEvent.instance_id, func.count()).where(
                InstanceEvent.kind == "timer_checked").group_by(InstanceEvent.instance_id)).all()
            tasks = db.session.execute(select(HumanTask.instance_id, func.count()).where(
                HumanTask.element_id == "follow_up").group_by(HumanTask.instance_id)).all()
            left = db.session.scalar(select(func.count()).select_from(ProcessInstance).where(
                ProcessInstance.next_timer_at <= datetime.utcnow()))
            db.session.remove()
            db.engine.dispose()
    finally:
        database.drop()
    times = sorted(r.at for r in fired)
    span = (times[-1] - times[0]).total_seconds() if len(times) > 1 else None
    return {"db": db_kind, "workers": workers, "due": due, "fired": len(fired), "still_due": left,
            "timed_out": timed_out, "wall_s_with_startup": round(wall, 2),
            "drain_per_s": round((len(fired) - 1) / span, 2) if span else None,
            "instances_fired_more_than_once": sum(1 for _i, n in per_instance if n > 1),
            "instances_with_more_than_one_task": sum(1 for _i, n in tasks if n > 1),
            "instances_with_task": len(tasks),
            "exactly_once": len(per_instance) == due and all(n == 1 for _i, n in per_instance)
            and len(tasks) == due and all(n == 1 for _i, n in tasks)}


class _workers:
    """``workers`` × ``flask worker --once``, started together."""

    def __init__(self, url: str, count: int, db_kind: str):
        self.contexts = [flask_worker(url, log_name=f"worker_backlog_{db_kind}_{i}", once=True) for i in range(count)]

    def __enter__(self):
        return [c.__enter__() for c in self.contexts]

    def __exit__(self, *exc):
        for c in self.contexts:
            c.__exit__(*exc)


def run(scale, db_kind: str) -> dict:
    """SQLite (the default deployment): one worker, and the latency probes; PostgreSQL:
    two workers on the backlog, for exactly-once."""
    result = {"db": db_kind, "backlog": backlog(db_kind, scale.timer_backlog, 1 if db_kind == "sqlite" else 2)}
    if db_kind == "sqlite":
        result["latency"] = latency(db_kind, scale.timer_latency_probes)
    return result


if __name__ == "__main__":
    part_main(run)
