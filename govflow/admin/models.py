"""Saved searches of the instance ledger, one list per user."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow


class SavedFilter(Model):
    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_filters_user_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    #: The search as a URL query string (``status=active&org=grid_yg_1``), without page or format.
    query: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseFact(Model):
    """One row per case of case handling: its ledger lines folded into the facts the
    statistics count (see admin/facts.py, which keeps it up to date)."""
    __tablename__ = "case_facts"
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"),
                                             primary_key=True)
    community_id: Mapped[int | None] = mapped_column()
    category: Mapped[str | None] = mapped_column(String(60))
    reported_at: Mapped[datetime | None] = mapped_column(index=True)
    responded: Mapped[int] = mapped_column(default=0)
    in_time: Mapped[int] = mapped_column(default=0)
    resolved: Mapped[int] = mapped_column(default=0)
    rated: Mapped[int] = mapped_column(default=0)
    satisfied: Mapped[int] = mapped_column(default=0)
    overdue: Mapped[int] = mapped_column(default=0)
    hours: Mapped[float | None] = mapped_column()


class CaseFactDepartment(Model):
    """The departments a case was sent to (a case counts once for each)."""
    __tablename__ = "case_fact_departments"
    instance_id: Mapped[int] = mapped_column(ForeignKey("case_facts.instance_id", ondelete="CASCADE"),
                                             primary_key=True)
    department_id: Mapped[int] = mapped_column(primary_key=True)


class FactWatermark(Model):
    """How far (ledger line id) a table of facts has read the ledger."""
    __tablename__ = "fact_watermarks"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    ledger_id: Mapped[int] = mapped_column(default=0)
