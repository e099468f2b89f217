"""A backup restored onto a fresh database carries on: its open tasks can be completed
and its timers fire. SQLite is copied with the online backup API; PostgreSQL is dumped
with pg_dump and restored with pg_restore into a new database (docs/DEPLOYMENT.md)."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from govflow.extensions import db
from govflow.instances.models import ProcessInstance
from govflow.worklist.models import HumanTask

from .live import Client, gunicorn, run_worker_once


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture
def restore(database_url, tmp_path):
    """restore() → the URL of a fresh database holding a backup of the test database."""
    made = []

    def run() -> str:
        if database_url.startswith("sqlite"):
            restored = tmp_path / "restored.sqlite3"
            source, target = sqlite3.connect(make_url(database_url).database), sqlite3.connect(restored)
            with target:
                source.backup(target)
            source.close()
            target.close()
            return f"sqlite:///{restored}"
        if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
            pytest.skip("PostgreSQL's client tools (pg_dump, pg_restore) are not installed")
        dump = tmp_path / "govflow.dump"
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump),
                        "--dbname", _libpq(database_url)], check=True, timeout=120)
        url = make_url(database_url)
        name = f"{url.database}_restored"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append((admin, name))
        restored = url.set(database=name).render_as_string(hide_password=False)
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", _libpq(restored),
                        str(dump)], check=True, timeout=120)
        return restored
    yield run
    for admin, name in made:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _open_tasks(session: Session, instance_id: int) -> list[str]:
    return sorted(session.scalars(select(HumanTask.element_id).where(
        HumanTask.instance_id == instance_id, HumanTask.status == "open")))


def test_restored_backup_resumes_tasks_and_timers(deploy_fixture, token_for, restore, tmp_path):
    from govflow.database import commit, writing
    from govflow.instances.service import start_instance
    deploy_fixture("escalation.bpmn")
    with writing():
        to_complete, to_escalate = (start_instance("escalation", "grid_yg_1").id for _ in range(2))
        commit()
    token = token_for("grid1")
    db.session.remove()

    restored = restore()
    with gunicorn(restored, tmp_path / "restored-gunicorn.log") as (port, _):
        grid = Client(port, token)
        status, tasks, _ = grid.get(f"/tasks?instance_id={to_complete}")
        assert status == 200 and [t["element_id"] for t in tasks] == ["handle"], tasks
        status, body, _ = grid.post(f"/tasks/{tasks[0]['id']}/complete", {"variables": {}})
        assert status == 200, body
    later = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    assert "timers fired: 1" in run_worker_once(restored, later)

    engine = create_engine(restored)
    try:
        with Session(engine) as session:
            assert session.get(ProcessInstance, to_complete).status == "completed"
            assert _open_tasks(session, to_escalate) == ["escalated"]
    finally:
        engine.dispose()
    # The backup's source is untouched: both instances still wait there.
    assert _open_tasks(db.session, to_complete) == ["handle"]
    assert _open_tasks(db.session, to_escalate) == ["handle"]
