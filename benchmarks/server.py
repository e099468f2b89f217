"""The platform as people run it: gunicorn (2 sync workers) and the flask worker,
started by `make run`'s commands on a scratch database, on 127.0.0.1 only.

The processes come from govflow/testing/live.py (no access log, no control socket,
each stopped by its own pid when its ``with`` block ends, also on errors).
"""
from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager

from govflow.testing import live
from govflow.testing.live import Client, rss_mb, stop, worker_pids  # noqa: F401  (for the parts)

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


@contextmanager
def gunicorn(url: str, workers: int = 2, log_name: str = "gunicorn"):
    """Yields (port, master pid); waits until the API answers."""
    with live.gunicorn(platform_env(url), OUT / f"{log_name}.log", workers=workers,
                       startup_limit=STARTUP_LIMIT_S) as (port, process):
        yield port, process.pid


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
        stop(process, timeout=30)
        log.close()


def environment_note() -> dict:
    return {"workers": 2, "worker_class": "sync", "access_log": False, "bind": "127.0.0.1",
            "pid": os.getpid()}
