"""/healthz, /readyz and the worker's heartbeat."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from govflow.extensions import db
from govflow.ops.health import record_heartbeat, wall_now
from govflow.ops.models import WorkerHeartbeat
from govflow.worker import run_worker


def test_healthz_answers_without_a_session_or_the_database(app):
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 200 and answer.json == {"status": "ok"}
    assert "Set-Cookie" not in answer.headers


def test_readyz_needs_a_recent_worker_heartbeat(app):
    client = app.test_client()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json == {"status": "not ready", "failed": ["worker"]}
    with app.app_context():
        run_worker(once=True)  # one pass writes the heartbeat
    assert client.get("/readyz").json == {"status": "ready"}


def test_a_stale_heartbeat_makes_the_node_unready(ctx):
    record_heartbeat("other:1", wall_now())
    db.session.get(WorkerHeartbeat, "other:1").beat_at = wall_now() - timedelta(minutes=5)
    db.session.commit()
    answer = ctx.test_client().get("/readyz")
    assert answer.status_code == 503 and answer.json["failed"] == ["worker"]


def test_heartbeat_counts_passes_and_forgets_long_gone_workers(ctx):
    record_heartbeat("gone:7", wall_now())
    db.session.get(WorkerHeartbeat, "gone:7").beat_at = wall_now() - timedelta(days=2)
    db.session.commit()
    record_heartbeat("w:1", wall_now())
    record_heartbeat("w:1", wall_now())
    assert db.session.get(WorkerHeartbeat, "w:1").passes == 2
    assert db.session.get(WorkerHeartbeat, "gone:7") is None


def test_readyz_refuses_a_schema_behind_the_code(ctx):
    record_heartbeat("w:1", wall_now())
    [version] = db.session.scalars(text("SELECT version_num FROM alembic_version"))
    db.session.execute(text("UPDATE alembic_version SET version_num = 'f7b2c4d6e8a1'"))
    db.session.commit()
    try:
        answer = ctx.test_client().get("/readyz")
        assert answer.status_code == 503 and answer.json["failed"] == ["migrations"]
    finally:
        db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": version})
        db.session.commit()


def test_readyz_says_database_when_it_is_unreachable(app, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def down(*_a, **_k):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))
    monkeypatch.setattr(db.session, "scalars", down)
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503 and answer.json == {"status": "not ready", "failed": ["database"]}
