"""Dashboard figures: lights by org unit, the 督办 queue, the 三率 by community and month."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from govflow.admin.dashboard import light_table, open_tasks, supervision_queue
from govflow.extensions import db
from govflow.timeutil import utcnow
from govflow.worklist.models import HumanTask


def test_lights_by_org_unit_and_the_supervision_queue(cases, principal_of):
    tasks = {t.instance_id: t for t in db.session.scalars(select(HumanTask))}
    now = utcnow()
    red, yellow = tasks[cases[0]], tasks[cases[1]]
    red.due_at = now - timedelta(hours=1)
    yellow.created_at, yellow.due_at = now - timedelta(hours=9), now + timedelta(hours=1)
    tasks[cases[2]].candidate_groups = ["supervisor"]
    db.session.commit()
    rows = {r["unit"].code: r for r in light_table(open_tasks(principal_of("admin")), 2 / 3)}
    assert {k: (r["green"], r["yellow"], r["red"], r["total"]) for k, r in rows.items()} == {
        "grid_yg_1": (0, 1, 1, 2), "grid_yg_2": (1, 0, 0, 1)}
    assert [t.instance_id for t in supervision_queue(open_tasks(principal_of("admin")))] == [cases[2]]


