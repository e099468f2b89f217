"""The platform as people run it: gunicorn (2 sync workers) and the flask worker,
started by `make run`'s commands on a scratch database, on 127.0.0.1 only.

Gunicorn runs without an access log (one line per request is the operator's
choice, not the platform's cost) and without its control socket (a fixed path under
$HOME that a developer's own `make run` may hold). Every process started here is stopped by its own
pid when the ``with`` block ends, also on errors.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from .harness import OUT, ROOT, VENV_BIN, Database, make_app, platform_env
from .scenario import Scenario, setup_platform

STARTUP_LIMIT_S = 90


def prepare(db_kind: str, name: str, scenario: Scenario, users) -> tuple[Database, dict]:
    """Create and migrate the database, deploy, load the demo; returns it and an API
    token per username."""
    database = Database(db_kind, name).create()
    app = make_app(database.url)
    with app.app_context():
        from govflow.database import commit, writing
        from govflow.extensions import db
        from govflow.identity.service import get_user, issue_token
        setup_platform(scenario)
        with writing():
            tokens = {u: issue_token(get_user(u), "bench") for u in sorted(set(users) | {"admin"})}
            commit()
        db.session.remove()
        db.engine.dispose()
    return database, tokens


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(url: str, workers: int = 2, log_name: str = "gunicorn"):
    """Yields (port, master pid); waits until the API answers."""
    port = free_port()
    OUT.mkdir(parents=True, exist_ok=True)
    log = open(OUT / f"{log_name}.log", "w")
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--worker-class", "sync", "--timeout", "120", "--no-control-socket", "wsgi:app"],
        cwd=ROOT, env=platform_env(url), stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(port, process)
        yield port, process.pid
    finally:
        _stop(process)
        log.close()


@contextmanager
def flask_worker(url: str, log_name: str = "worker", once: bool = False):
    """The background worker (``flask --app wsgi worker``); yields its Popen."""
    OUT.mkdir(parents=True, exist_ok=True)
    log = open(OUT / f"{log_name}.log", "w")
    args = [str(VENV_BIN / "flask"), "--app", "wsgi", "worker"] + (["--once"] if once else [])
    process = subprocess.Popen(args, cwd=ROOT, env=platform_env(url), stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        _stop(process)
        log.close()


def _wait_until_up(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see benchmarks/out/*.log")
        try:
            status, _, _ = Client(port, "").request("GET", "/api/v1/openapi.json")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within the start-up limit")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def worker_pids(master_pid: int) -> list[int]:
    """The gunicorn workers: children of the master."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master_pid:
                pids.append(int(entry.name))
    return sorted(pids)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


class Client:
    """A minimal JSON client (stdlib only): one connection per request, as gunicorn's
    sync workers close it after each response anyway."""

    def __init__(self, port: int, token: str):
        self.port, self.token = port, token

    def request(self, method: str, path: str, body=None) -> tuple[int, object, float]:
        """Returns (status, decoded JSON or None, seconds from send to last byte)."""
        headers = {"Authorization": f"Bearer {self.token}", "Connection": "close"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            data = response.read()
            elapsed = time.perf_counter() - started
        finally:
            connection.close()
        try:
            decoded = json.loads(data) if data else None
        except ValueError:
            decoded = None
        return response.status, decoded, elapsed

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, body=None):
        return self.request("POST", path, body if body is not None else {})


def environment_note() -> dict:
    return {"workers": 2, "worker_class": "sync", "access_log": False, "bind": "127.0.0.1",
            "pid": os.getpid()}
