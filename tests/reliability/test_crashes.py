"""SIGKILL in the middle of a step: a gunicorn worker during a completion, the
background worker during a timer's step and during a webhook delivery. Nothing
half-written survives, the step is retried, and every outbox message takes effect
exactly once at its receiver (by its Idempotency-Key), also after the receiver was down."""
from __future__ import annotations

import os
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from govflow.extensions import db
from govflow.instances.models import Incident, InstanceEvent, ProcessInstance
from govflow.outbox.models import OutboxMessage
from govflow.worklist.models import HumanTask

from .live import ROOT, Client, Receiver, platform_env, run_worker_once, wait_for, worker_command, worker_pids


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _open_tasks(instance_id) -> list[str]:
    return list(db.session.scalars(select(HumanTask.element_id).where(
        HumanTask.instance_id == instance_id, HumanTask.status == "open")))


def _later(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def test_gunicorn_worker_killed_mid_step(server, tmp_path, token_for, deploy_reliability, database_url):
    port, master = server
    deploy_reliability("slow_step.bpmn")
    receiver = Receiver()  # not listening yet: the receiver is down
    admin = Client(port, token_for("admin"))
    status, body, _ = admin.post("/process-instances", {
        "process_key": "slow_step", "org_unit": "grid_yg_1", "variables": {"hook_url": receiver.url}})
    assert status == 201, body
    instance_id = body["id"]
    task_id = admin.get(f"/process-instances/{instance_id}")[1]["tasks"][0]["id"]
    grid = Client(port, token_for("grid1"), timeout=60)

    (tmp_path / "hold").touch()
    with ThreadPoolExecutor(1) as pool:
        completing = pool.submit(grid.post, f"/tasks/{task_id}/complete", {"variables": {}})
        started = tmp_path / f"started-{instance_id}"
        pid = int(wait_for(lambda: started.exists() and started.read_text(), what="the slow step"))
        assert pid in worker_pids(master.pid)
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(OSError):  # the connection dies with the worker
            completing.result(timeout=60)

    db.session.rollback()  # nothing of the interrupted step was kept
    assert db.session.get(HumanTask, task_id).status == "open"
    assert _open_tasks(instance_id) == ["prepare"]
    assert _count(InstanceEvent, InstanceEvent.instance_id == instance_id,
                  InstanceEvent.kind == "task_completed") == 0
    assert _count(OutboxMessage) == 0
    assert db.session.get(ProcessInstance, instance_id).status == "active"
    wait_for(lambda: len(worker_pids(master.pid)) == 2 and pid not in worker_pids(master.pid),
             what="gunicorn to replace the killed worker")

    (tmp_path / "hold").unlink()  # the user tries again
    status, body, _ = grid.post(f"/tasks/{task_id}/complete", {"variables": {}})
    assert status == 200, body
    db.session.rollback()
    assert _open_tasks(instance_id) == ["review"]
    assert db.session.get(ProcessInstance, instance_id).variables["slow_done"] is True
    assert "delivered: 0, failed attempts: 1" in run_worker_once(database_url)
    receiver.start()
    try:
        assert "delivered: 1" in run_worker_once(database_url, _later(0.1))
        assert "delivered: 0" in run_worker_once(database_url, _later(0.2))
    finally:
        receiver.stop()
    assert receiver.deliveries == [f"instance-{instance_id}-notify"]


def test_background_worker_killed_mid_step_and_mid_delivery(org, tmp_path, deploy_reliability, database_url):
    from govflow.database import commit, writing
    from govflow.instances.service import start_instance
    deploy_reliability("slow_timer.bpmn")
    receiver = Receiver().start()
    try:
        with writing():
            instance_id = start_instance("slow_timer", "grid_yg_1", variables={"hook_url": receiver.url}).id
            commit()
        env = {"RELIABILITY_DIR": str(tmp_path)}

        (tmp_path / "hold").touch()
        worker = subprocess.Popen(worker_command("--once", "--now", _later(2)), cwd=ROOT,
                                  env=platform_env(database_url, **env),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            started = tmp_path / f"started-{instance_id}"
            assert int(wait_for(lambda: started.exists() and started.read_text(),
                                what="the slow step")) == worker.pid
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        db.session.rollback()  # the timer is still due, nothing after it happened
        instance = db.session.get(ProcessInstance, instance_id)
        assert instance.next_timer_at is not None and _open_tasks(instance_id) == []
        assert "slow_done" not in instance.variables and _count(OutboxMessage) == 0

        (tmp_path / "hold").unlink()
        receiver.answering.clear()  # the next worker dies after sending, before recording
        worker = subprocess.Popen(worker_command("--once", "--now", _later(2)), cwd=ROOT,
                                  env=platform_env(database_url, **env),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: receiver.deliveries, what="the webhook")
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        receiver.answering.set()
        db.session.rollback()
        assert _open_tasks(instance_id) == ["review"]  # the step committed before delivery
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.delivered_at is None and message.claimed_by

        # The lease (2 min) runs out; another run sends again and records it.
        assert "delivered: 1" in run_worker_once(database_url, _later(3), **env)
        assert "delivered: 0" in run_worker_once(database_url, _later(4), **env)
    finally:
        receiver.stop()
    key = f"instance-{instance_id}-notify"
    assert receiver.deliveries == [key, key]  # sent twice, at least once ...
    assert list(receiver.applied) == [key]  # ... and applied exactly once
    db.session.rollback()
    assert db.session.scalars(select(OutboxMessage)).one().delivered_at is not None
    assert _count(Incident) == 0
