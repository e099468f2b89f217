"""Soak test: N concurrent API clients for S seconds against gunicorn (2 workers) and
report errors and latency percentiles.

    python scripts/soak.py [--clients 64] [--seconds 120] [--database-url URL] [--json FILE]

Without --database-url a scratch SQLite database is created. The database is migrated,
given the demo organisation, the test process ``review`` and 100 running instances;
then each client loops over a mix of reads (worklist, task page, instance page and its
history) and writes (start an instance, complete its task). Any answer other than the
expected status is an error; the exit status is 1 if there was one.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.reliability.live import Client, gunicorn  # noqa: E402

#: (weight, kind) — about a quarter of the iterations write.
MIX = [(35, "worklist"), (20, "task"), (20, "instance"), (25, "complete")]
SEEDED_INSTANCES = 100


def prepare(database_url: str) -> dict:
    """Migrate, load the demo data and the review process; return tokens and ids."""
    os.environ["DATABASE_URL"] = database_url
    from flask_migrate import upgrade

    from govflow import create_app
    from govflow.database import commit, writing
    from govflow.definitions.service import deploy
    from govflow.demo import load_demo
    from govflow.extensions import db
    from govflow.identity.service import get_user, issue_token
    from govflow.instances.service import start_instance
    from govflow.worklist.models import HumanTask
    app = create_app({"SECRET_KEY": "soak"})
    with app.app_context():
        upgrade()
        with writing():
            load_demo()
            deploy({"review.bpmn": (ROOT / "tests" / "fixtures" / "review.bpmn").read_bytes()})
            instances = [start_instance("review", "grid_yg_1", {"rounds": 0}).id
                         for _ in range(SEEDED_INSTANCES)]
            tokens = {u: issue_token(get_user(u), "soak") for u in ("admin", "grid1")}
            commit()
        tasks = list(db.session.scalars(db.select(HumanTask.id).where(
            HumanTask.instance_id.in_(instances))))
        db.session.remove()
        db.engine.dispose()
    return {"tokens": tokens, "instances": instances, "tasks": tasks}


class Load:
    def __init__(self, port: int, seed: dict, seconds: float):
        self.admin = Client(port, seed["tokens"]["admin"], timeout=60)
        self.grid = Client(port, seed["tokens"]["grid1"], timeout=60)
        self.instances, self.tasks = seed["instances"], seed["tasks"]
        self.stop_at = time.monotonic() + seconds
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def call(self, kind: str, client: Client, method: str, path: str, expected: int, body=None):
        try:
            status, answer, elapsed = client.request(method, "/api/v1" + path, body)
        except (OSError, http.client.HTTPException) as exc:  # a cut connection: also a body cut short
            self._error(f"{kind} {path}: {exc!r}")
            return None
        with self.lock:
            self.latencies[kind].append(elapsed)
        if status != expected:
            self._error(f"{kind} {path}: HTTP {status} {str(answer)[:200]}")
            return None
        return answer

    def _error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)

    def client_loop(self, number: int) -> None:
        rng = random.Random(number)
        kinds = [k for w, k in MIX for _ in range(w)]
        while time.monotonic() < self.stop_at:
            kind = rng.choice(kinds)
            if kind == "worklist":
                self.call(kind, self.grid, "GET", f"/tasks?limit=20&offset={rng.randrange(0, 60)}", 200)
            elif kind == "task":
                self.call(kind, self.grid, "GET", f"/tasks/{rng.choice(self.tasks)}", 200)
            elif kind == "instance":
                instance_id = rng.choice(self.instances)
                self.call(kind, self.admin, "GET", f"/process-instances/{instance_id}", 200)
                self.call("history", self.admin, "GET", f"/process-instances/{instance_id}/events", 200)
            else:
                self.start_and_complete()

    def start_and_complete(self) -> None:
        started = self.call("start", self.admin, "POST", "/process-instances", 201, {
            "process_key": "review", "org_unit": "grid_yg_1", "variables": {"rounds": 0}})
        if started is None:
            return
        detail = self.call("instance", self.admin, "GET", f"/process-instances/{started['id']}", 200)
        if detail is None:
            return
        self.call("complete", self.grid, "POST", f"/tasks/{detail['tasks'][0]['id']}/complete", 200,
                  {"variables": {"approved": True}})

    def report(self, clients: int, seconds: float) -> dict:
        everything = [x for values in self.latencies.values() for x in values]
        return {"clients": clients, "seconds": seconds, "requests": len(everything),
                "errors": len(self.errors), "error_samples": self.errors[:10],
                "throughput_rps": round(len(everything) / seconds, 1),
                "all": _percentiles(everything),
                "by_kind": {k: _percentiles(v) for k, v in sorted(self.latencies.items())}}


def _percentiles(values: list[float]) -> dict:
    if len(values) < 2:
        return {"count": len(values)}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"count": len(values), "p50_ms": round(cuts[49] * 1000, 1),
            "p95_ms": round(cuts[94] * 1000, 1), "p99_ms": round(cuts[98] * 1000, 1),
            "max_ms": round(max(values) * 1000, 1)}


def run(database_url: str, clients: int, seconds: float, log_dir: Path) -> dict:
    seed = prepare(database_url)
    with gunicorn(database_url, log_dir / "soak-gunicorn.log", app="wsgi:app") as (port, _):
        load = Load(port, seed, seconds)
        threads = [threading.Thread(target=load.client_loop, args=(n,)) for n in range(clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return load.report(clients, round(time.monotonic() - started, 1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--database-url", default=os.environ.get("SOAK_DATABASE_URL"))
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="govflow-soak-") as scratch:
        url = args.database_url or f"sqlite:///{Path(scratch) / 'soak.sqlite3'}"
        report = run(url, args.clients, args.seconds, Path(scratch))
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
