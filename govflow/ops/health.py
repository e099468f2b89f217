"""Liveness, readiness and the workers' heartbeats.

Readiness asks three cheap questions and says only which failed: is the database
reachable, is its schema at the code's migration head (a node deployed before
``db upgrade`` must not take traffic), and has some background worker finished a
pass recently (without one, timers never fire and the outbox never drains).
Heartbeats use the wall clock, not the engine clock: a worker pass may run under a
frozen engine clock (tests, replays), but liveness is about real time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from ..database import commit, writing
from ..extensions import db
from ..settings import ROOT
from .models import WorkerHeartbeat

#: Heartbeats of workers gone this long are removed (a stopped worker's row says
#: nothing after a day; the metrics would otherwise list every pid ever run).
FORGET_AFTER = timedelta(days=1)


def wall_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Readiness:
    #: Names of the failed checks: "database", "migrations", "worker".
    failed: list[str] = field(default_factory=list)

    @property
    def is_ready(self) -> bool:
        return not self.failed


@lru_cache(maxsize=1)
def migration_heads() -> frozenset[str]:
    """The revisions this code expects (read once: the files do not change under a process)."""
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def check_readiness(max_heartbeat_age: float) -> Readiness:
    """Never raises: a database error is the answer "database", not a 500."""
    result = Readiness()
    try:
        current = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
        if current != migration_heads():
            result.failed.append("migrations")
        if max_heartbeat_age > 0:
            latest = db.session.scalar(select(func.max(WorkerHeartbeat.beat_at)))
            if latest is None or (wall_now() - latest).total_seconds() > max_heartbeat_age:
                result.failed.append("worker")
    except SQLAlchemyError:
        result.failed = ["database"]
    finally:
        db.session.rollback()
    return result


def record_heartbeat(worker_id: str, started_at: datetime) -> None:
    """Write ``worker_id``'s heartbeat in a transaction of its own (commits)."""
    now = wall_now()
    with writing():
        beat = db.session.get(WorkerHeartbeat, worker_id)
        if beat is None:
            beat = WorkerHeartbeat(worker_id=worker_id, started_at=started_at, passes=0)
            db.session.add(beat)
        beat.beat_at, beat.passes = now, beat.passes + 1
        db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - FORGET_AFTER))
        commit()
