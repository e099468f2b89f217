"""What every part shares: scale, scratch databases, the app, load and statistics."""
from __future__ import annotations

import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
PLOTS = ROOT / "benchmarks" / "plots"
RESULTS = ROOT / "benchmarks" / "results.json"
VENV_BIN = Path(sys.executable).parent
DEFAULT_PG_URL = "postgresql://govflow:govflow@127.0.0.1:5432/govflow_test"


@dataclass(frozen=True)
class Scale:
    """How much work each part does; ``quick`` keeps `make bench-quick` under 3 minutes."""
    name: str
    instances: int            #: instances driven through the main path (targets 1, 2)
    history_rounds: int       #: rework rounds of the one long instance (target 3)
    bare_history_rounds: int  #: rounds for the library's own curve (no compaction)
    volume_levels: tuple      #: human-task rows per data-volume level (target 4)
    volume_samples: int       #: queries per persona and level
    memory_requests: int      #: mixed requests against gunicorn (target 5)
    timer_backlog: int        #: due timers drained by the worker (target 6)
    timer_latency_probes: int
    profile_instances: int


FULL = Scale("full", instances=40, history_rounds=1000, bare_history_rounds=60,
             volume_levels=(10_000, 100_000, 1_000_000), volume_samples=100,
             memory_requests=20_000, timer_backlog=10_000, timer_latency_probes=12, profile_instances=20)
QUICK = Scale("quick", instances=6, history_rounds=60, bare_history_rounds=20,
              volume_levels=(10_000, 50_000), volume_samples=30,
              memory_requests=500, timer_backlog=300, timer_latency_probes=3, profile_instances=3)


def scale_named(name: str) -> Scale:
    return {"full": FULL, "quick": QUICK}[name]


# -- environment ------------------------------------------------------------------
def load_average() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def wait_for_quiet(max_wait: float, below: float = 1.5) -> dict:
    """Wait (at most ``max_wait`` seconds) until the 1-minute load average drops below
    ``below``: other people's test runs share this machine. Returns what was seen."""
    start = time.monotonic()
    seen = load_average()
    while seen[0] >= below and time.monotonic() - start < max_wait:
        time.sleep(5)
        seen = load_average()
    return {"load_before": seen, "waited_s": round(time.monotonic() - start, 1)}


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    import sqlite3

    import SpiffWorkflow
    import sqlalchemy
    git = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "govflow", "processes"],
                           capture_output=True, text=True)
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1),
            "os": platform.platform(), "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "sqlalchemy": sqlalchemy.__version__,
            "spiffworkflow": getattr(SpiffWorkflow, "__version__", "3.2.0"),
            "commit": git.stdout.strip() + ("+uncommitted changes" if dirty.stdout.strip() else "")}


# -- statistics -----------------------------------------------------------------
def percentile(values, p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary_ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "mean_ms": round(statistics.fmean(ms), 3), "median_ms": round(statistics.median(ms), 3),
            "p95_ms": round(percentile(ms, 95), 3), "min_ms": round(min(ms), 3), "max_ms": round(max(ms), 3)}


# -- scratch databases ------------------------------------------------------------
class Database:
    """A scratch database of one part: a SQLite file under benchmarks/out, or a
    PostgreSQL database ``govflow_bench_<name>`` on the server of BENCH_PG_URL."""

    def __init__(self, kind: str, name: str):
        self.kind, self.name = kind, name
        if kind == "sqlite":
            self.path = OUT / f"{name}.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            from sqlalchemy.engine import make_url
            base = make_url(pg_base_url().replace("postgresql://", "postgresql+psycopg://", 1))
            self._admin_url = base
            self.url = base.set(database=f"govflow_bench_{name}").render_as_string(hide_password=False)

    def create(self) -> Database:
        OUT.mkdir(parents=True, exist_ok=True)
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        else:
            self._admin(f'DROP DATABASE IF EXISTS "govflow_bench_{self.name}" WITH (FORCE)',
                        f'CREATE DATABASE "govflow_bench_{self.name}"')
        return self

    def drop(self) -> None:
        """Remove the database (SQLite: its files; they reach a gigabyte at 1M rows)."""
        if self.kind == "postgres":
            self._admin(f'DROP DATABASE IF EXISTS "govflow_bench_{self.name}" WITH (FORCE)')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def _admin(self, *statements: str) -> None:
        from sqlalchemy import create_engine, text
        admin = create_engine(self._admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                for statement in statements:
                    conn.execute(text(statement))
        finally:
            admin.dispose()


def pg_base_url() -> str:
    return os.environ.get("BENCH_PG_URL") or DEFAULT_PG_URL


def postgres_available() -> bool:
    try:
        from sqlalchemy import create_engine, text
        engine = create_engine(pg_base_url().replace("postgresql://", "postgresql+psycopg://", 1),
                               connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


def pg_server_version() -> str | None:
    if not postgres_available():
        return None
    from sqlalchemy import create_engine, text
    engine = create_engine(pg_base_url().replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar()
    engine.dispose()
    return version


# -- the platform -----------------------------------------------------------------
def make_app(url: str, *, migrate: bool = True):
    """The platform's own app on ``url`` (schema through its Alembic migrations)."""
    os.environ["DATABASE_URL"] = url
    from govflow import create_app
    app = create_app({"SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    quiet_logs()
    if migrate:
        from flask_migrate import upgrade
        with app.app_context():
            upgrade()
        quiet_logs()
    return app


def quiet_logs() -> None:
    for name in ("alembic", "govflow", "spiff", "SpiffWorkflow", "werkzeug", ""):
        logging.getLogger(name).setLevel(logging.WARNING)


def platform_env(url: str) -> dict:
    """Environment for the platform's own processes (gunicorn, flask worker)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(DATABASE_URL=url, SECRET_KEY="bench", PYTHONPATH=str(ROOT),
               PATH=f"{VENV_BIN}:{env.get('PATH', '')}")
    return env


# -- part entry points --------------------------------------------------------------
def part_main(run) -> None:
    """``python -m benchmarks.<part> --scale quick --db sqlite --out FILE``: run one part,
    write its JSON result (with the load average around it) to FILE."""
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="quick", choices=("quick", "full"))
    parser.add_argument("--db", default="sqlite", choices=("sqlite", "postgres"))
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    before = load_average()
    started = time.time()
    result = run(scale_named(args.scale), args.db)
    result["load_average"] = {"before": before, "after": load_average()}
    result["elapsed_s"] = round(time.time() - started, 1)
    Path(args.out).write_text(json.dumps(result, indent=1, default=_json_default))


def _json_default(value):
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    return str(value)
