"""Dashboard figures: lights by org unit, the 督办 queue, the 三率 by community and month."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from govflow.admin.dashboard import case_rates, light_table, open_tasks, supervision_queue
from govflow.extensions import db
from govflow.instances.models import ProcessInstance
from govflow.timeutil import utcnow
from govflow.worklist.models import HumanTask


def test_lights_by_org_unit_and_the_supervision_queue(cases):
    tasks = {t.instance_id: t for t in db.session.scalars(select(HumanTask))}
    now = utcnow()
    red, yellow = tasks[cases[0]], tasks[cases[1]]
    red.due_at = now - timedelta(hours=1)
    yellow.created_at, yellow.due_at = now - timedelta(hours=9), now + timedelta(hours=1)
    tasks[cases[2]].candidate_groups = ["supervisor"]
    db.session.commit()
    rows = {r["unit"].code: r for r in light_table(open_tasks(), 2 / 3)}
    assert {k: (r["green"], r["yellow"], r["red"], r["total"]) for k, r in rows.items()} == {
        "grid_yg_1": (0, 1, 1, 2), "grid_yg_2": (1, 0, 0, 1)}
    assert [t.instance_id for t in supervision_queue(open_tasks())] == [cases[2]]


def test_three_rates_by_community_and_month(cases):
    values = [{"responded_in_time": True, "resolved": True, "satisfied": True},
              {"responded_in_time": False, "resolved": True, "satisfied": False},
              {"responded_in_time": True, "resolved": False, "satisfied": None}]
    for instance_id, v in zip(cases, values):
        instance = db.session.get(ProcessInstance, instance_id)
        instance.process_key = "case_handling"
        instance.variables = {**instance.variables, **v}
        instance.started_at = datetime(2026, 3, 10, 20, 0)   # 3-11 04:00 in Shanghai
    db.session.commit()
    rows = case_rates("Asia/Shanghai")
    assert len(rows) == 1
    row = rows[0]
    assert row["unit"].code == "comm_yangguang" and row["month"] == "2026-03" and row["cases"] == 3
    assert (row["response_rate"], row["resolution_rate"], row["satisfaction_rate"]) == (66.7, 66.7, 50.0)
