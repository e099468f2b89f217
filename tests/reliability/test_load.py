"""64 concurrent API clients for 15 s against gunicorn's two workers (scripts/soak.py,
the short form of `make soak`): no errors, and every completion shows in the database."""
from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import func, select

from govflow.extensions import db
from govflow.instances.models import ProcessInstance

from .live import ROOT, platform_env

CLIENTS, SECONDS = 64, 15


def test_64_clients_for_15_seconds_without_errors(app, database_url, tmp_path):
    out = tmp_path / "soak.json"
    done = subprocess.run(
        [sys.executable, "scripts/soak.py", "--clients", str(CLIENTS), "--seconds", str(SECONDS),
         "--database-url", database_url, "--json", str(out)],
        cwd=ROOT, env=platform_env(database_url), capture_output=True, text=True, timeout=300)
    assert out.exists(), done.stdout[-2000:] + done.stderr[-3000:]
    report = json.loads(out.read_text())
    print(json.dumps({k: report[k] for k in ("requests", "errors", "throughput_rps", "all")}))
    assert done.returncode == 0 and report["errors"] == 0, report["error_samples"]
    completions = report["by_kind"]["complete"]["count"]
    assert completions > 0 and report["by_kind"]["worklist"]["count"] > 0
    with app.app_context():
        completed = db.session.scalar(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.process_key == "review", ProcessInstance.status == "completed"))
        db.session.remove()
    assert completed == completions
