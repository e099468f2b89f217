"""Issue #20's fixed cost per request: a diagram whose engine step costs almost nothing.

``benchmarks/fixtures/trivial_loop.bpmn``: two user tasks in a loop, left when
``${done}``. On case_handling the engine's own step is heavy (DMN, multi-instance,
scripts), which hides what the platform adds; here the bare step is about a
millisecond, so every ratio below measures the platform's fixed cost.

Side by side in one process run, on one database:

* ``bare`` — SpiffWorkflow alone, restoring the workflow from its library JSON,
  completing the task, running engine steps and serializing again (benchmarks/bare.py).
* ``service`` — ``complete_task`` + commit through the service layer, engine cache
  emptied before every step (cold, as in production); SQL statements per completion;
  CPU of reading an instance and a worklist page the way the API does. Its bare rate
  is measured in between, a round of bare steps after each round of completions.
  Then the least a durable step costs this database (benchmarks/floor.py), and so the
  best ratio any code could reach here.
* ``http`` — gunicorn with 2 workers, 4 client threads, each: start an instance, then
  per step open the instance (``GET /api/v1/process-instances/{id}``, which lists its open
  tasks) and complete its task; completions per second of wall time, and the workers'
  CPU (from /proc) per completion.
"""
from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path

from . import floor
from .harness import make_app, part_main, summary_ms
from .scenario import Scenario

DIAGRAM = Path(__file__).parent / "fixtures" / "trivial_loop.bpmn"
ORG_UNIT, USER = "grid_yg_1", "grid1"
STEPS_PER_INSTANCE = 20


def scenario() -> Scenario:
    return Scenario(name="trivial_loop", process_key="trivial_loop",
                    files={DIAGRAM.name: DIAGRAM.read_text("utf-8")}, org_unit=ORG_UNIT,
                    start_variables={"done": False}, main=[], prefix=[], rework=[], finish=[])


class BareLoop:
    """Bare SpiffWorkflow on the same diagram, a round at a time: one step of each of
    ``instances`` workflows (each started again after STEPS_PER_INSTANCE steps)."""

    def __init__(self, instances: int):
        from .bare import BareEngine, Replay
        self.engine, self.replay = BareEngine(scenario(), "library_json"), Replay([])
        self.instances, self.rounds = instances, 0
        self.states: list = []
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def round(self) -> None:
        if self.rounds % STEPS_PER_INSTANCE == 0:
            self.states = [(self.engine.start({"done": False}, self.replay), ["first"])
                           for _ in range(self.instances)]
        stepped = []
        for state, ready in self.states:
            started, cpu_started = time.perf_counter(), time.thread_time()
            stepped.append(self.engine.step(state, ready[0], {"done": False}, self.replay))
            self.wall.append(time.perf_counter() - started)
            self.cpu.append(time.thread_time() - cpu_started)
        self.states, self.rounds = stepped, self.rounds + 1

    def rates(self) -> dict:
        return _rates(self.wall, self.cpu)


def bare(instances: int) -> dict:
    loop = BareLoop(instances)
    for _ in range(STEPS_PER_INSTANCE):
        loop.round()
    return loop.rates()


def _rates(wall: list[float], cpu: list[float]) -> dict:
    out = summary_ms(wall)
    out["steps_per_s"] = round(len(wall) / sum(wall), 2)
    out["cpu_ms_mean"] = round(statistics.fmean(cpu) * 1000, 3)
    out["cpu_ms_median"] = round(statistics.median(cpu) * 1000, 3)
    return out


class StatementCounter:
    """SQL statements sent by this process (BEGIN included where the driver sends one)."""

    def __init__(self, engine):
        from sqlalchemy import event
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_):
        self.count += 1


def service(instances: int, bare_loop: BareLoop | None = None) -> dict:
    """Inside an app context with the diagram deployed. ``bare_loop``: a round of the
    bare engine after each round of completions (see run)."""
    from sqlalchemy import select

    from govflow.database import commit, writing
    from govflow.extensions import db
    from govflow.identity.access import principal_for
    from govflow.identity.service import get_user
    from govflow.instances.runtime import engine_cache
    from govflow.instances.service import start_instance
    from govflow.worklist.models import HumanTask
    from govflow.worklist.service import complete_task
    principal = principal_for(get_user(USER))
    counter = StatementCounter(db.engine)
    ids = []
    for _ in range(instances):
        with writing():
            ids.append(start_instance("trivial_loop", ORG_UNIT, {"done": False}).id)
            commit()
    wall, cpu, statements = [], [], []
    for _ in range(STEPS_PER_INSTANCE):
        for instance_id in ids:
            task_id = db.session.scalar(select(HumanTask.id).where(HumanTask.instance_id == instance_id,
                                                                   HumanTask.status == "open"))
            db.session.remove()
            engine_cache.clear()
            before = counter.count
            started, cpu_started = time.perf_counter(), time.thread_time()
            with writing():
                complete_task(task_id, principal, {"done": False})
                commit()
            wall.append(time.perf_counter() - started)
            cpu.append(time.thread_time() - cpu_started)
            statements.append(counter.count - before)
            db.session.remove()
        if bare_loop is not None:
            bare_loop.round()
    out = _rates(wall, cpu)
    out["statements_per_completion"] = round(statistics.fmean(statements), 2)
    out["reads"] = _reads(principal, ids, counter)
    out["floor"] = floor.measure(db.engine, ids, STEPS_PER_INSTANCE, BareLoop(len(ids)))
    return out


def _reads(principal, ids: list[int], counter: StatementCounter) -> dict:
    """CPU and statements of what the API does to read an instance and a worklist page."""
    from govflow.api.present import instance_detail_out, tasks_out
    from govflow.extensions import db
    from govflow.instances.service import get_readable_instance
    from govflow.worklist.inbox import list_task_rows
    out = {}
    for name, call in (("instance", lambda i: instance_detail_out(get_readable_instance(principal, i), principal)),
                       ("worklist", lambda i: tasks_out(list_task_rows(principal, "all")[0]))):
        cpu, statements = [], []
        for instance_id in ids:
            db.session.remove()
            before, cpu_started = counter.count, time.thread_time()
            call(instance_id)
            cpu.append(time.thread_time() - cpu_started)
            statements.append(counter.count - before)
        out[name] = {"cpu_ms_median": round(statistics.median(cpu) * 1000, 3),
                     "statements": round(statistics.fmean(statements), 2)}
    db.session.remove()
    return out


def http(database_url: str, token: str, instances_per_client: int, clients: int = 4) -> dict:
    from .server import Client, gunicorn, worker_pids
    with gunicorn(database_url, log_name="gunicorn_trivial") as (port, master):
        client = Client(port, token)

        def drive(count: int, completions: list, errors: list):
            try:
                for _ in range(count):
                    status, body, _ = client.post("/api/v1/process-instances", {
                        "process_key": "trivial_loop", "org_unit": ORG_UNIT, "variables": {"done": False}})
                    if status != 201:
                        raise RuntimeError(f"start answered {status}: {body}")
                    for _ in range(STEPS_PER_INSTANCE):
                        status, body, _ = client.get(f"/api/v1/process-instances/{body['id']}")
                        task = next(t for t in body["tasks"] if t["status"] == "open")
                        status, body, seconds = client.post(f"/api/v1/tasks/{task['id']}/complete",
                                                            {"variables": {"done": False}})
                        if status != 200:
                            raise RuntimeError(f"complete answered {status}: {body}")
                        completions.append(seconds)
                        body = {"id": body["instance_id"]}
            except Exception as exc:  # noqa: BLE001 - reported, not raised in a thread
                errors.append(repr(exc)[:300])

        drive(2, [], [])  # warm-up: both workers import, parse the bundle, fill caches
        pids = worker_pids(master)
        cpu_before = _cpu_seconds(pids)
        completions: list[float] = []
        errors: list[str] = []
        threads = [threading.Thread(target=drive, args=(instances_per_client, completions, errors))
                   for _ in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        server_cpu = _cpu_seconds(pids) - cpu_before
    return {"clients": clients, "workers": 2, "completions": len(completions), "wall_s": round(wall, 2),
            "completions_per_s": round(len(completions) / wall, 2),
            "server_cpu_ms_per_completion": round(server_cpu / max(1, len(completions)) * 1000, 3),
            "note": "server CPU includes the instance GET before each completion and the starts",
            "errors": errors[:3], **(summary_ms(completions) if completions else {})}


def _cpu_seconds(pids: list[int]) -> float:
    import os
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def run(scale, db_kind: str) -> dict:
    """The machine's speed drifts (on this shared VM the bare step varied 575–990 steps/s
    within an hour, and the service's CPU per completion 2.2–4.6 ms within minutes), so
    the bare rate each platform figure is divided by is measured alongside it: for the
    service layer, a round of bare steps after each round of completions, in the same
    process (``bare_interleaved``); for HTTP, whose load cannot share the machine with
    it, the mean of the bare runs just before and just after."""
    from .server import prepare
    instances = max(4, scale.instances // 2)
    bare(2)  # warm-up: imports, expression caches
    result = {"diagram": DIAGRAM.name, "db": db_kind, "steps_per_instance": STEPS_PER_INSTANCE,
              "bare": bare(instances)}
    database, tokens = prepare(db_kind, "trivial", scenario(), {USER})
    try:
        app = make_app(database.url, migrate=False)
        with app.app_context():
            service(2)  # warm-up
            alongside = BareLoop(instances)
            result["service"] = service(instances, alongside)
            result["bare_interleaved"] = alongside.rates()
            from govflow.extensions import db
            db.session.remove()
            db.engine.dispose()
        result["bare_between"] = bare(instances)
        result["http"] = http(database.url, tokens[USER], max(2, instances // 4))
        result["bare_after"] = bare(instances)
    finally:
        database.drop()
    result["service"]["bare_steps_per_s"] = result["bare_interleaved"]["steps_per_s"]
    result["http"]["bare_steps_per_s"] = round(statistics.fmean(
        [result[k]["steps_per_s"] for k in ("bare_between", "bare_after")]), 2)
    return result


if __name__ == "__main__":
    part_main(run)
