"""The facts table behind the statistics: folded once per case, again only when new lines come."""
from __future__ import annotations

from sqlalchemy import func, select

from govflow.admin.facts import WATERMARK, fold_query, refresh_case_facts
from govflow.admin.models import CaseFact, CaseFactDepartment, FactWatermark
from govflow.admin.statistics import case_table
from govflow.database import commit, writing
from govflow.extensions import db
from govflow.identity.models import OrgUnit
from govflow.records.models import LedgerEntry
from govflow.records.service import add_ledger_entry
from govflow.worker import run_worker

from .test_statistics import EVERYTHING, add_facts, by_key


def _refresh() -> int:
    with writing():
        count = refresh_case_facts()
        commit()
    return count


def test_each_case_is_folded_once_and_matches_its_ledger(cases):
    add_facts(cases)
    assert _refresh() == 3
    assert _refresh() == 0 or db.engine.dialect.name == "postgresql"   # PG folds its lag window again
    stored = {r.instance_id: (r.community_id, r.category, r.responded, r.in_time, r.resolved, r.rated,
                              r.satisfied, r.overdue, r.hours) for r in db.session.scalars(select(CaseFact))}
    fresh = {r[0]: tuple(r[1:2]) + (r[2],) + tuple(r[4:]) for r in db.session.execute(fold_query(cases))}
    assert stored == fresh and len(stored) == 3
    assert db.session.scalar(select(func.count()).select_from(CaseFactDepartment)) == 1
    top = db.session.scalar(select(func.max(LedgerEntry.id)))
    assert db.session.get(FactWatermark, WATERMARK).ledger_id == top


def test_a_new_line_refolds_only_its_case(cases):
    add_facts(cases)
    assert by_key(case_table(EVERYTHING, "community", "Asia/Shanghai"))["comm_xingfu"]["resolution_rate"] == 0.0
    xingfu = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "comm_xingfu"))
    with writing():
        add_ledger_entry(cases[2], "case_handling", "case_resolved", xingfu, data={"hours": 30.0})
        commit()
    refolded = _refresh()
    assert refolded == 1 or db.engine.dialect.name == "postgresql"
    row = by_key(case_table(EVERYTHING, "community", "Asia/Shanghai"))["comm_xingfu"]
    assert row["resolution_rate"] == 100.0 and row["mean_hours"] == 30.0


def test_the_worker_keeps_the_facts_current(app, cases):
    add_facts(cases)
    run_worker(once=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CaseFact)) == 3
