"""Writing the records; handlers and services call these inside the unit of work."""
from __future__ import annotations

from sqlalchemy import select, update

from ..errors import NotFound
from ..extensions import db
from ..instances.trials import keeps_quiet
from ..timeutil import utcnow
from .models import LedgerEntry, Notification, NumberSequence, PublicResult


def next_number(name: str, width: int = 6) -> str:
    """``2026-000042``: the next number of ``name`` this year, gap-free per year.

    The UPDATE takes the row lock, so concurrent instances get distinct numbers.
    """
    year = utcnow().year
    row = db.session.scalar(select(NumberSequence).where(NumberSequence.name == name,
                                                         NumberSequence.year == year))
    if row is None:
        db.session.add(NumberSequence(name=name, year=year, value=0))
        db.session.flush()
    db.session.execute(update(NumberSequence).where(NumberSequence.name == name, NumberSequence.year == year)
                       .values(value=NumberSequence.value + 1))
    value = db.session.scalar(select(NumberSequence.value).where(
        NumberSequence.name == name, NumberSequence.year == year).execution_options(populate_existing=True))
    return f"{year}-{value:0{width}d}"


def add_ledger_entry(instance_id: int, process_key: str, kind: str, org_unit_id: int | None,
                     business_key: str | None = None, data: dict | None = None) -> LedgerEntry:
    entry = LedgerEntry(instance_id=instance_id, process_key=process_key, kind=kind,
                        org_unit_id=org_unit_id, business_key=business_key, data=data or {})
    db.session.add(entry)
    return entry


def publish_result(instance_id: int, org_unit_id: int | None, title: str, summary: str,
                   category: str | None = None, photos: list | None = None,
                   business_key: str | None = None) -> PublicResult:
    if org_unit_id is None:  # callers look the unit up by code; the board entry needs one
        raise NotFound("the public result names no known org unit", {"org_unit": ["unknown org unit"]})
    row = db.session.scalar(select(PublicResult).where(PublicResult.instance_id == instance_id))
    if row is None:
        row = PublicResult(instance_id=instance_id, org_unit_id=org_unit_id, title=title)
        db.session.add(row)
    row.title, row.summary, row.category = title, summary, category
    row.photos, row.business_key, row.published_at = list(photos or []), business_key, utcnow()
    return row


def notify_user(user_id: int, kind: str, title: str, body: str = "", instance_id: int | None = None,
                task_id: int | None = None) -> Notification | None:
    """A notification for ``user_id``; None when the instance is a trial run that
    does not concern them."""
    if keeps_quiet(instance_id, user_id):
        return None
    note = Notification(user_id=user_id, kind=kind, title=title, body=body,
                        instance_id=instance_id, task_id=task_id)
    db.session.add(note)
    return note
