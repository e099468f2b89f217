"""Real processes on 127.0.0.1: gunicorn (2 sync workers), the flask worker, a webhook
receiver, and a stdlib JSON client — shared by the reliability tests and scripts/soak.py.

Every process is started with its own pid recorded and stopped by that pid (SIGTERM,
then SIGKILL) when its ``with`` block ends, also when the test fails.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
#: The platform plus the test-only handlers of tests/reliability/handlers.py.
APP = "tests.reliability.serve:app"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def platform_env(database_url: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FLASK_APP")}
    env.update(DATABASE_URL=database_url, SECRET_KEY="reliability", PYTHONPATH=str(ROOT),
               PASSWORD_HASH_METHOD="pbkdf2:sha256:1000", **extra)
    return env


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def gunicorn(database_url: str, log_path: Path, workers: int = 2, app: str = APP, **env):
    """Yields (port, master Popen) once the API answers."""
    port = free_port()
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
             "--timeout", "120", "--graceful-timeout", "5", "--no-control-socket", app],
            cwd=ROOT, env=platform_env(database_url, **env), stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(port, process, log_path)
            yield port, process
        finally:
            stop(process)


def _wait_until_up(port: int, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log_path.read_text()[-3000:]}")
        try:
            if Client(port).request("GET", "/api/v1/openapi.json")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 60 s")


def worker_pids(master_pid: int) -> list[int]:
    """gunicorn's workers: the children of its master."""
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


def wait_for(condition, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def worker_command(*args: str) -> list[str]:
    return [str(BIN / "flask"), "--app", APP.replace(":app", ""), "worker", *args]


def run_worker_once(database_url: str, now: str | None = None, **env) -> str:
    """``flask worker --once [--now NOW]``; returns its output (asserts success)."""
    args = ["--once"] + (["--now", now] if now else [])
    done = subprocess.run(worker_command(*args), cwd=ROOT, env=platform_env(database_url, **env),
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


class Client:
    """One connection per request (gunicorn's sync workers close it anyway)."""

    def __init__(self, port: int, token: str = "", timeout: float = 120):
        self.port, self.token, self.timeout = port, token, timeout

    def request(self, method: str, path: str, body=None) -> tuple[int, object, float]:
        """Returns (status, decoded JSON or None, seconds until the last byte)."""
        headers = {"Connection": "close"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        elapsed = time.perf_counter() - started
        decoded = None
        if data and response.getheader("Content-Type", "").startswith("application/json"):
            decoded = json.loads(data)
        return response.status, decoded, elapsed

    def get(self, path: str):
        return self.request("GET", "/api/v1" + path)

    def post(self, path: str, body=None):
        return self.request("POST", "/api/v1" + path, body)


class Receiver:
    """A webhook endpoint that records every delivery and applies each
    Idempotency-Key once, as the platform asks of its receivers."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.deliveries: list[str] = []
        self.applied: dict[str, dict] = {}
        #: Cleared, the receiver records a delivery but holds its answer (a test can
        #: then kill the sender between sending and recording the delivery).
        self.answering = threading.Event()
        self.answering.set()
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                key = self.headers["Idempotency-Key"]
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.deliveries.append(key)
                receiver.applied.setdefault(key, body)
                receiver.answering.wait(30)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
