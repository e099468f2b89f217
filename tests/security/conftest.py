"""Security fixtures: tokens of the demo users, and the figures each check reports."""
from __future__ import annotations

from collections import Counter

import pytest

from tests.web.conftest import csrf_of, page_as, web_app  # noqa: F401  (page fixtures)

#: Figures the security checks measure, printed at the end of the run and quoted
#: in docs/SECURITY.md (e.g. requests fuzzed, route × role cells checked).
FIGURES: Counter = Counter()


@pytest.fixture
def tokens(web_app):
    """tokens['admin'] → a fresh API token of that demo user (committed).

    Built on ``web_app``, which leaves no app context pushed (see its docstring)."""
    from govflow.database import commit, writing
    from govflow.identity.service import get_user, issue_token

    class Tokens(dict):
        def __missing__(self, username):
            with web_app.app_context(), writing():
                self[username] = issue_token(get_user(username))
                commit()
            return self[username]
    return Tokens()


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("security figures")
        for name, value in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {value:,}")


PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def world(web_app, tmp_path):
    """Concrete objects on both sides of a boundary: a web_case in 阳光一网格 (inside
    for grid1) and one in 幸福一网格 (outside), each with its open task, an
    attachment and the notification its grid worker got."""
    import io

    from sqlalchemy import select

    from govflow.database import commit, writing
    from govflow.extensions import db
    from govflow.identity.access import principal_for
    from govflow.identity.service import get_user
    from govflow.records.models import Notification
    from govflow.worklist.actions import attach_file
    from govflow.worklist.inbox import first_open_task
    from govflow.worklist.starting import start_process

    objects = {}
    with web_app.app_context(), writing():
        upload_dir = web_app.config["GOVFLOW"].UPLOAD_DIR
        for side, user, grid in (("in", "grid1", "grid_yg_1"), ("out", "grid3", "grid_xf_1")):
            p = principal_for(get_user(user))
            instance = start_process(p, "web_case", grid, {"title": "路灯", "category": "road",
                                                           "description": "不亮"})
            task = first_open_task(p, instance.id)
            upload = attach_file(task.id, p, io.BytesIO(PNG), "photo.png", upload_dir, 10_000)
            note = db.session.scalar(select(Notification).where(Notification.user_id == p.user_id))
            objects.update({f"task:{side}": task.id, f"instance:{side}": instance.id,
                            f"upload:{side}": upload.id, f"notification:{side}": note.id})
        commit()
    return objects


def fingerprint(app) -> dict:
    """What a refused request must leave alone: row counts of the case tables and
    the state of every task, instance and notification."""
    from sqlalchemy import text

    from govflow.extensions import db
    with app.app_context():
        counts = {t: db.session.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar()
                  for t in ("process_instances", "instance_events", "human_tasks", "uploads", "notifications",
                            "incidents", "outbox_messages", "deployments", "ledger_entries")}
        rows = {q: db.session.execute(text(q)).all() for q in (
            "SELECT id, status, assignee_id FROM human_tasks ORDER BY id",
            "SELECT id, status FROM process_instances ORDER BY id",
            "SELECT id, read_at FROM notifications ORDER BY id")}
        db.session.remove()
    return {**counts, **{q: [tuple(r) for r in v] for q, v in rows.items()}}
