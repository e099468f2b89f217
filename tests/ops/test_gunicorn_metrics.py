"""Under gunicorn with several workers: counters add up across processes
(PROMETHEUS_MULTIPROC_DIR), and the logs are JSON lines. Starts gunicorn (live)."""
from __future__ import annotations

import json
import os
import signal
import time

import requests

from govflow.testing.live import gunicorn, worker_pids


def _replace_workers(master_pid: int) -> None:
    """SIGKILL every worker; gunicorn starts new ones (other pids, other counter files)."""
    old = set(worker_pids(master_pid))
    for pid in old:
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = set(worker_pids(master_pid))
        if len(now) == len(old) and not now & old:
            return
        time.sleep(0.1)
    raise AssertionError("gunicorn did not replace its workers")


def test_counters_add_up_over_gunicorn_workers_and_logs_are_json(app, tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FLASK_APP")}
    env.update(DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], SECRET_KEY="ops",
               PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), METRICS_TOKEN="scrape", LOG_FORMAT="auto")
    log_path = tmp_path / "gunicorn.log"
    with gunicorn(env, log_path, workers=2) as (port, _master):
        base = f"http://127.0.0.1:{port}"
        for round_ in range(2):  # each round answered by other processes: the workers are replaced between
            for _ in range(15):
                assert requests.get(base + "/healthz", headers={"Connection": "close"}, timeout=10).ok
            if round_ == 0:
                _replace_workers(_master.pid)
        ready = requests.get(base + "/readyz", headers={"X-Request-Id": "probe-00000001"}, timeout=10)
        assert ready.status_code == 503 and ready.headers["X-Request-Id"] == "probe-00000001"
        wanted = 'govflow_http_requests_total{endpoint="ops.healthz",method="GET",status="200"} 30.0'
        for _ in range(4):  # whichever worker answers the scrape, it counts for all
            body = requests.get(base + "/metrics", headers={"Authorization": "Bearer scrape", "Connection": "close"},
                                timeout=10).text
            assert wanted in body
        assert len(list(metrics_dir.glob("counter_*.db"))) >= 2
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    [probe] = [line for line in lines if line.get("request_id") == "probe-00000001"]
    assert probe["route"] == "/readyz" and probe["status"] == 503 and probe["logger"] == "govflow.access"
