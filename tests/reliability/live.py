"""Real processes on 127.0.0.1: gunicorn (2 sync workers), the flask worker, a webhook
receiver, and a stdlib JSON client — shared by the reliability tests and scripts/soak.py.

Every process is started with its own pid recorded and stopped by that pid (SIGTERM,
then SIGKILL) when its ``with`` block ends, also when the test fails.
"""
from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from govflow.testing import live
from govflow.testing.live import BIN, ROOT, HookServer, worker_pids  # noqa: F401  (ROOT, worker_pids: for the tests)

#: The platform plus the test-only handlers of tests/reliability/handlers.py.
APP = "tests.reliability.serve:app"


def platform_env(database_url: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FLASK_APP")}
    # ROBOT_ALLOW_PRIVATE_URLS: the webhook receiver of these tests listens on 127.0.0.1.
    env.update(DATABASE_URL=database_url, SECRET_KEY="reliability", PYTHONPATH=str(ROOT),
               PASSWORD_HASH_METHOD="pbkdf2:sha256:1000", ROBOT_ALLOW_PRIVATE_URLS="true", **extra)
    return env


@contextmanager
def gunicorn(database_url: str, log_path: Path, workers: int = 2, app: str = APP, **env):
    """Yields (port, master Popen) once the API answers."""
    with live.gunicorn(platform_env(database_url, **env), log_path, workers=workers, app=app,
                       startup_limit=60) as running:
        yield running


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


class Client(live.Client):
    """The API under /api/v1."""
    prefix = "/api/v1"


class Receiver(HookServer):
    """A webhook endpoint that records every delivery and applies each
    Idempotency-Key once, as the platform asks of its receivers."""

    def __init__(self, port: int | None = None):
        super().__init__(port)
        self.deliveries: list[str] = []
        self.applied: dict[str, dict] = {}
        #: Cleared, the receiver records a delivery but holds its answer (a test can
        #: then kill the sender between sending and recording the delivery).
        self.answering = threading.Event()
        self.answering.set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def answer(self, handler):
        key = handler.headers["Idempotency-Key"]
        body = json.loads(handler.rfile.read(int(handler.headers["Content-Length"])))
        self.deliveries.append(key)
        self.applied.setdefault(key, body)
        self.answering.wait(30)
        return 204, None
