"""The robot_endpoints migration creates exactly what the model declares."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from govflow.extensions import db


def _mentions_robots(diff) -> bool:
    return "robot_endpoints" in repr(diff)


def test_migration_matches_the_model(ctx):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(context, db.metadata) if _mentions_robots(d)]
    assert diffs == []
