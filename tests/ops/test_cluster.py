"""Two app nodes and two workers on one PostgreSQL behind nginx (docs/DEPLOYMENT.md),
64 clients for a minute; one node and one worker are killed (SIGKILL) mid-run.

Checked: every action a client saw succeed is in the database; the only failures
are requests in flight on the killed node, within seconds of the kill; every timer
that fell due fired exactly once. Needs TEST_PG_URL (or a PostgreSQL
TEST_DATABASE_URL) and nginx. Slow: marked live.
"""
from __future__ import annotations

import importlib.util
import os
import signal
import threading
import time

import pytest
from sqlalchemy import func, select

from govflow.testing.live import ROOT, gunicorn, worker_pids
from tests.conftest import _private_postgres

from .cluster import nginx, nginx_binary, worker

pytestmark = pytest.mark.live
CLIENTS, SECONDS, KILL_AT, TIMERS = 64, 60, 20, 40
#: Failures are allowed this long after the kill (requests in flight on the dead node).
IN_FLIGHT_WINDOW = 10


def _soak():
    spec = importlib.util.spec_from_file_location("govflow_soak", ROOT / "scripts" / "soak.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def cluster_database():
    url = os.environ.get("TEST_PG_URL") or os.environ.get("TEST_DATABASE_URL") or ""
    if not url.startswith("postgres"):
        pytest.skip("needs PostgreSQL: TEST_PG_URL")
    url, drop = _private_postgres(url, "cluster")
    try:
        yield url
    finally:
        drop()


def test_killing_a_node_and_a_worker_loses_nothing(cluster_database, tmp_path):
    binary = nginx_binary()
    if binary is None:
        pytest.skip("nginx is not installed (apt-get install nginx, as root)")
    soak = _soak()
    saved = os.environ.get("DATABASE_URL")
    try:
        seed = soak.prepare(cluster_database)  # migrates; demo data, review instances, tokens
    finally:
        os.environ["DATABASE_URL"] = saved or ""
        if saved is None:
            del os.environ["DATABASE_URL"]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FLASK_APP")}
    env.update(DATABASE_URL=cluster_database, SECRET_KEY="cluster", PYTHONPATH=str(ROOT), LOG_FORMAT="json",
               PASSWORD_HASH_METHOD="pbkdf2:sha256:1000", WORKER_POLL_SECONDS="0.5")
    with gunicorn(env, tmp_path / "node-a.log") as (port_a, master_a), \
            gunicorn(env, tmp_path / "node-b.log") as (port_b, _master_b), \
            worker(env, tmp_path / "worker-1.log") as worker_1, worker(env, tmp_path / "worker-2.log"), \
            nginx(binary, [port_a, port_b], tmp_path) as port:
        timer_ids = _start_timers(cluster_database)
        load = _recording_load(soak)(port, seed, SECONDS)
        threads = [threading.Thread(target=load.client_loop, args=(n,)) for n in range(CLIENTS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(KILL_AT)
        killed_at = time.monotonic()
        for pid in [master_a.pid, *worker_pids(master_a.pid)]:
            os.kill(pid, signal.SIGKILL)  # the machine is gone: no graceful anything
        worker_1.kill()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        _wait_for_timers(cluster_database, timer_ids)
    late = [(round(at - killed_at, 1), text) for at, text in load.failures
            if not killed_at <= at <= killed_at + IN_FLIGHT_WINDOW]
    assert not late, late[:10]
    assert len(load.failures) <= CLIENTS
    assert load.completed and elapsed >= SECONDS
    _assert_nothing_lost(cluster_database, load, timer_ids)
    print(f"cluster: {sum(len(v) for v in load.latencies.values())} requests, {len(load.completed)} completions, "
          f"{len(load.failures)} in-flight failures at the kill")


def _app(url):
    from govflow import create_app
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "cluster"})


def _start_timers(url) -> list[int]:
    """Instances whose timers fall due during the run (10–49 s from now), some after the kill."""
    from govflow.database import commit, writing
    from govflow.definitions.service import deploy
    from govflow.instances.service import start_instance
    app = _app(url)
    with app.app_context(), writing():
        deploy({"waiting.bpmn": (ROOT / "tests" / "fixtures" / "waiting.bpmn").read_bytes()})
        ids = [start_instance("waiting", "grid_yg_1", {"publicity_period": f"PT{10 + i}S"}).id
               for i in range(TIMERS)]
        commit()
    return ids


def _wait_for_timers(url, ids, limit: float = 90):
    from govflow.extensions import db
    from govflow.worklist.models import HumanTask
    app = _app(url)
    deadline = time.monotonic() + limit
    with app.app_context():
        while time.monotonic() < deadline:
            waiting = db.session.scalar(select(func.count(func.distinct(HumanTask.instance_id))).where(
                HumanTask.instance_id.in_(ids), HumanTask.element_id == "confirm"))
            db.session.rollback()
            if waiting == len(ids):
                return
            time.sleep(0.5)
    raise AssertionError(f"only {waiting} of {len(ids)} timers fired within {limit:.0f} s")


def _assert_nothing_lost(url, load, timer_ids):
    from govflow.extensions import db
    from govflow.instances.models import InstanceEvent, ProcessInstance
    from govflow.worklist.models import HumanTask, TaskStatus
    app = _app(url)
    with app.app_context():
        statuses = dict(db.session.execute(select(HumanTask.id, HumanTask.status).where(
            HumanTask.id.in_(load.completed))).all())
        assert {t: statuses.get(t) for t in load.completed} == {t: TaskStatus.completed.value for t in load.completed}
        found = set(db.session.scalars(select(ProcessInstance.id).where(ProcessInstance.id.in_(load.started))))
        assert found == set(load.started)
        fired = dict(db.session.execute(
            select(InstanceEvent.instance_id, func.count()).where(
                InstanceEvent.instance_id.in_(timer_ids), InstanceEvent.kind == "task_created",
                InstanceEvent.element_id == "confirm").group_by(InstanceEvent.instance_id)).all())
        assert fired == {i: 1 for i in timer_ids}


def _recording_load(soak):
    class RecordingLoad(soak.Load):
        """scripts/soak.py's mix, remembering what succeeded and when each failure happened."""

        def __init__(self, *args):
            super().__init__(*args)
            self.completed, self.started, self.failures = [], [], []

        def _error(self, text: str) -> None:
            with self.lock:
                self.errors.append(text)
                self.failures.append((time.monotonic(), text))

        def start_and_complete(self) -> None:
            started = self.call("start", self.admin, "POST", "/process-instances", 201, {
                "process_key": "review", "org_unit": "grid_yg_1", "variables": {"rounds": 0}})
            if started is None:
                return
            with self.lock:
                self.started.append(started["id"])
            detail = self.call("instance", self.admin, "GET", f"/process-instances/{started['id']}", 200)
            if detail is None:
                return
            task_id = detail["tasks"][0]["id"]
            if self.call("complete", self.grid, "POST", f"/tasks/{task_id}/complete", 200,
                         {"variables": {"approved": True}}) is not None:
                with self.lock:
                    self.completed.append(task_id)
    return RecordingLoad
