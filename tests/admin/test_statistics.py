"""Statistics: the 三率 and the other processes' figures, computed by SQL aggregates
over ledger lines and task rows."""
from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from govflow.admin.statistics import Period, case_table, stage_counts, step_times
from govflow.database import commit, writing
from govflow.extensions import db
from govflow.identity.access import Principal
from govflow.identity.models import OrgUnit
from govflow.records.models import LedgerEntry
from govflow.records.service import add_ledger_entry
from govflow.worklist.models import HumanTask

#: The admin flag: the figures of every unit.
EVERYTHING = Principal(0, "root", True, ())

#: (instance index, kind, unit code, data) — the ledger lines case_handling's service tasks write.
FACTS = [
    (0, "received", "comm_yangguang", {"category": "road"}),
    (0, "responded", "comm_yangguang", {"in_time": True}),
    (0, "dispatched", "dept_urban", {"department": "dept_urban"}),
    (0, "department_reported", "dept_urban", {"department": "dept_urban", "overdue": True}),
    (0, "resolved", "comm_yangguang", {"hours": 10.0}),
    (0, "rated", "comm_yangguang", {"rating": "satisfied"}),
    (1, "received", "comm_yangguang", {"category": "sanitation"}),
    (1, "responded", "comm_yangguang", {"in_time": False}),
    (1, "resolved", "comm_yangguang", {"hours": 20.0}),
    (1, "rated", "comm_yangguang", {"rating": "unsatisfied"}),
    (1, "reopened", "comm_yangguang", {}),
    (2, "received", "comm_xingfu", {"category": "road"}),
    (2, "escalated", "comm_xingfu", {}),
]


def add_facts(instance_ids, process_key="case_handling", month_of=None):
    units = dict(db.session.execute(select(OrgUnit.code, OrgUnit.id)).all())
    with writing():
        for index, kind, unit, data in FACTS:
            category = next(d["category"] for i, k, _u, d in FACTS if i == index and k == "received")
            add_ledger_entry(instance_ids[index], process_key, f"case_{kind}", units[unit],
                             data={"category": category, **data})
        if month_of:
            db.session.execute(update(LedgerEntry).where(LedgerEntry.instance_id == instance_ids[2])
                               .values(at=month_of))
        commit()


@pytest.fixture
def facts(cases):
    add_facts(cases, month_of=datetime(2025, 3, 10, 2, 0))
    return cases


def by_key(rows):
    return {r["key"]: r for r in rows}


def test_three_rates_by_community(facts):
    rows = by_key(case_table(EVERYTHING, "community", "Asia/Shanghai"))
    yg, xf = rows["comm_yangguang"], rows["comm_xingfu"]
    assert yg["label"] == "阳光社区" and yg["cases"] == 2
    assert yg["response_rate"] == 50.0           # one of two answered in time
    assert yg["resolution_rate"] == 50.0         # the reopened case is not resolved
    assert yg["satisfaction_rate"] == 50.0
    assert yg["overdue"] == 1 and yg["mean_hours"] == 15.0
    assert xf["cases"] == 1 and xf["response_rate"] == 0.0 and xf["resolution_rate"] == 0.0
    assert xf["satisfaction_rate"] is None and xf["mean_hours"] is None


def test_by_department_category_and_month(facts):
    departments = case_table(EVERYTHING, "department", "Asia/Shanghai")
    assert [(r["key"], r["cases"], r["overdue"], r["resolution_rate"]) for r in departments] == [
        ("dept_urban", 1, 1, 100.0)]
    categories = by_key(case_table(EVERYTHING, "category", "Asia/Shanghai"))
    assert categories["road"]["label"] == "道路设施" and categories["road"]["cases"] == 2
    months = [r["key"] for r in case_table(EVERYTHING, "month", "Asia/Shanghai")]
    assert months[0] == "2025-03" and len(months) == 2
    only_march = case_table(EVERYTHING, "community", "Asia/Shanghai", Period(datetime(2025, 3, 1).date(),
                                                                  datetime(2025, 3, 31).date()))
    assert [r["key"] for r in only_march] == ["comm_xingfu"]


def test_other_processes_count_stages_and_step_times(cases):
    db.session.execute(update(HumanTask).values(process_key="dual_reporting"))
    from govflow.instances.models import ProcessInstance
    db.session.execute(update(ProcessInstance).values(process_key="dual_reporting"))
    first = db.session.scalar(select(HumanTask).order_by(HumanTask.id))
    first.status, first.completed_at = "completed", first.created_at.replace(microsecond=0)
    from datetime import timedelta
    first.completed_at = first.created_at + timedelta(hours=3)
    db.session.commit()
    stages = stage_counts(EVERYTHING)
    assert [(s["process"], s["stage"], s["count"]) for s in stages] == [("dual_reporting", "现场核实", 3)]
    times = step_times(EVERYTHING)
    assert [(t["element_id"], t["count"], t["mean_hours"]) for t in times] == [("verify", 1, 3.0)]
