"""The facts of each case (table ``case_facts``), folded from its ledger lines.

The statistics page groups these rows by community, department, category and
month. Folding every ledger line of every case at each page view took seconds
at 100,000 cases; here only the cases whose lines arrived since the last fold
are folded again (a watermark on the ledger's ids), by the background worker
each round and by the page before it counts. Ledger lines are only ever added,
so a case's row is complete once all its lines up to the watermark are in.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, case, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..database import ensure_write_transaction, is_postgres, writing
from ..extensions import db
from ..records.models import LedgerEntry
from .models import CaseFact, CaseFactDepartment, FactWatermark

CASE_PROCESS = "case_handling"
#: Renamed when what a fold reads changes, so that every case is folded again once
#: ("case_facts" read department dispatches under a kind no handler writes).
WATERMARK = "case_facts_v2"
#: The line open_dispatch_round writes for each department a case is sent to.
DISPATCHED = "case_dispatched"
#: Cases folded per statement (an IN list the databases handle comfortably).
CHUNK = 500
#: PostgreSQL hands out ids at insert, so a line with a lower id may commit after the
#: watermark passed it: the cases of the last LAG lines below the mark are folded
#: again. SQLite has one writer at a time; its ids commit in order.
LAG = 200


def _flag(condition):
    return func.max(case((condition, 1), else_=0))


def _count(condition):
    return func.sum(case((condition, 1), else_=0))


def _is_true(element):
    return LedgerEntry.data[element].as_boolean() == True  # noqa: E712 (SQL, not Python)


def fold_query(instance_ids):
    """One row of facts per case of ``instance_ids``, in the columns of CaseFact."""
    L, kind = LedgerEntry, LedgerEntry.kind
    rated = kind == "case_rated"
    return (select(
        L.instance_id,
        func.max(case((kind == "case_received", L.org_unit_id))),
        func.max(case((kind == "case_received", L.data["category"].as_string()))),
        func.min(case((kind == "case_received", L.at))),
        _flag(kind.in_(("case_responded", "case_escalated"))),
        _flag(and_(kind == "case_responded", _is_true("in_time"))),
        # A reopened case counts as resolved again only once it is resolved again.
        case((_count(kind == "case_resolved") > _count(kind == "case_reopened"), 1), else_=0),
        _flag(rated),
        # Satisfied closes the case: a satisfied rating, if any, is the last one.
        _flag(and_(rated, L.data["rating"].as_string() != "unsatisfied")),
        _flag((kind == "case_department_overdue") | and_(kind == "case_department_reported", _is_true("overdue"))),
        func.max(case((kind == "case_resolved", L.data["hours"].as_float()))))
        .where(L.instance_id.in_(instance_ids), L.process_key == CASE_PROCESS)
        .group_by(L.instance_id))


FACT_COLUMNS = ("instance_id", "community_id", "category", "reported_at", "responded", "in_time", "resolved",
                "rated", "satisfied", "overdue", "hours")


def refresh_case_facts() -> int:
    """Fold the cases with new ledger lines; returns how many. Runs in the caller's
    transaction (which it makes a write transaction); the caller commits."""
    with writing():
        ensure_write_transaction()
        mark = _locked_watermark()
        top = db.session.scalar(select(func.max(LedgerEntry.id))) or 0
        if top <= mark.ledger_id and not is_postgres():
            return 0
        changed = db.session.scalars(
            select(LedgerEntry.instance_id).where(LedgerEntry.id > mark.ledger_id - (LAG if is_postgres() else 0),
                                                  LedgerEntry.id <= top,
                                                  LedgerEntry.process_key == CASE_PROCESS)
            .distinct()).all()
        for start in range(0, len(changed), CHUNK):
            _fold(changed[start:start + CHUNK])
        mark.ledger_id = top
        db.session.flush()
        return len(changed)


def _locked_watermark() -> FactWatermark:
    """The watermark row, locked; created first if missing. Two workers may both find it
    missing: the insert that loses waits for the other and does nothing."""
    mark = db.session.get(FactWatermark, WATERMARK, with_for_update=is_postgres())
    if mark is None:
        dialect_insert = postgres_insert if is_postgres() else sqlite_insert
        db.session.execute(dialect_insert(FactWatermark).values(name=WATERMARK, ledger_id=0)
                           .on_conflict_do_nothing())
        mark = db.session.get_one(FactWatermark, WATERMARK, with_for_update=is_postgres(), populate_existing=True)
    return mark


def _fold(instance_ids: Sequence[int]) -> None:
    db.session.execute(delete(CaseFactDepartment).where(CaseFactDepartment.instance_id.in_(instance_ids)))
    db.session.execute(delete(CaseFact).where(CaseFact.instance_id.in_(instance_ids)))
    db.session.execute(insert(CaseFact).from_select(FACT_COLUMNS, fold_query(instance_ids)))
    db.session.execute(insert(CaseFactDepartment).from_select(
        ("instance_id", "department_id"),
        select(LedgerEntry.instance_id, LedgerEntry.org_unit_id)
        .where(LedgerEntry.instance_id.in_(instance_ids), LedgerEntry.process_key == CASE_PROCESS,
               LedgerEntry.kind == DISPATCHED, LedgerEntry.org_unit_id.isnot(None))
        .distinct()))
