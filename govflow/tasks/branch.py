"""Handlers of weak-branch rectification (软弱涣散基层党组织整顿, process ``weak_branch_rectification``).

Criteria, time limits and the red/green line come from branch_*.dmn. Monthly
reports are spawned by a repeating timer on their own paths, so they cannot pass
figures to each other through process variables: the ledger (台账) is where they
are counted.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..engine import clock
from ..engine.durations import add_duration
from ..extensions import db
from ..identity.models import OrgUnit
from ..records.models import LedgerEntry
from ..records.service import next_number, notify_user
from . import HandlerContext, handler
from .owners import percent, record, users_with_role

#: Cross-checking offices: the ``office`` property of the diagram's record tasks.
OFFICES = {"discipline": "纪检监察", "petition": "信访", "civil_affairs": "民政"}


def entries(ctx: HandlerContext, kind: str) -> list[LedgerEntry]:
    return list(db.session.scalars(select(LedgerEntry).where(
        LedgerEntry.instance_id == ctx.instance_id, LedgerEntry.kind == kind).order_by(LedgerEntry.id)))


def round_reports(ctx: HandlerContext) -> list[LedgerEntry]:
    current = ctx.variables.get("rectification_round")
    return [e for e in entries(ctx, "branch.progress_reported") if e.data.get("round") == current]


@handler("record_branch_ledger")
def record_branch_ledger(ctx: HandlerContext) -> None:
    """Ledger line of kind ``property kind`` with the variables named in ``property fields``."""
    names = [n.strip() for n in ctx.properties.get("fields", "").split(",") if n.strip()]
    record(ctx, ctx.properties["kind"], **{n: ctx.variables.get(n) for n in names})


@handler("assign_rectification_number")
def assign_rectification_number(ctx: HandlerContext) -> dict:
    """整顿编号 ZD-2026-000001, the business key unless the starter gave one."""
    number = f"ZD-{next_number('weak_branch')}"
    return {"rectification_no": number, "business_key": ctx.variables.get("business_key") or number,
            "rectification_round": 0, "extension_count": 0, "plan_rounds": 0}


@handler("record_cross_check")
def record_cross_check(ctx: HandlerContext) -> dict:
    """Keep one office's finding under ``cross_check_<office>``: the three run in parallel on one form."""
    office = ctx.properties["office"]
    v = ctx.variables
    result = {"office": OFFICES[office], "unit": v.get(f"{office}_unit"), "has_issues": bool(v.get("has_issues")),
              "issue_count": int(v.get("issue_count") or 0), "findings": v.get("check_findings")}
    record(ctx, "branch.cross_checked", office=office, has_issues=result["has_issues"],
           issue_count=result["issue_count"])
    return {f"cross_check_{office}": result}


@handler("assess_branch_screening")
def assess_branch_screening(ctx: HandlerContext) -> dict:
    """The screening's conclusion: criteria met (branch_weakness_criteria) or an office found issues."""
    v = ctx.variables
    reasons, labels = list(v.get("weak_reasons") or []), list(v.get("weak_reason_labels") or [])
    checks = [v.get(f"cross_check_{office}") or {} for office in OFFICES]
    issue_offices = [c["office"] for c in checks if c.get("has_issues")]
    recommend = bool(reasons or issue_offices)
    record(ctx, "branch.screened", branch_name=v.get("branch_name"), weak_reasons=reasons,
           cross_check_issues=issue_offices, issue_count=sum(c.get("issue_count", 0) for c in checks),
           satisfaction_rate=v.get("satisfaction_rate"), recommend_listing=recommend)
    return {"weak_reasons": reasons, "weak_reason_labels": labels, "cross_check_issue_offices": issue_offices,
            "recommend_listing": recommend}


@handler("notify_support_team")
def notify_support_team(ctx: HandlerContext) -> dict:
    """Tell the pairing unit's party secretaries and the branch what support it gets."""
    v = ctx.variables
    unit_name = db.session.scalar(select(OrgUnit.name).where(OrgUnit.code == v["pairing_unit"]))
    title = f"{v['branch_name']}列为软弱涣散基层党组织，开展集中整顿"
    body = (f"认定文号：{v.get('decision_doc_no')}。包联领导：{v['leading_cadre']}（{v['leading_cadre_title']}）；"
            f"结对共建单位：{unit_name}；第一书记：{v['first_secretary']}（{v['first_secretary_phone']}）。"
            "请协助制定一支部一策整顿方案。")
    recipients = sorted(set(users_with_role("unit_party_secretary", v["pairing_unit"])
                            + users_with_role("community_secretary", ctx.org_unit_code)))
    for user_id in recipients:
        notify_user(user_id, "branch_support", title, body, instance_id=ctx.instance_id)
    record(ctx, "branch.listed", branch_name=v.get("branch_name"), weak_reasons=v.get("weak_reasons"),
           decision_doc_no=v.get("decision_doc_no"), leading_cadre=v["leading_cadre"],
           pairing_unit=v["pairing_unit"], first_secretary=v["first_secretary"])
    return {"support_notified": len(recipients), "listed_at": clock.now().isoformat()}


@handler("register_rectification_plan")
def register_rectification_plan(ctx: HandlerContext) -> dict:
    """Count the plan's rows (一支部一策) and note its latest deadline; each submission is a round."""
    items = ctx.variables.get("plan_items") or []
    rounds = int(ctx.variables.get("plan_rounds") or 0) + 1
    latest = max(item["deadline"] for item in items)
    record(ctx, "branch.plan_submitted", round=rounds, items=len(items),
           owners=len({item["owner"] for item in items}), latest_deadline=latest)
    return {"plan_rounds": rounds, "plan_item_count": len(items), "plan_latest_deadline": latest}


@handler("open_rectification")
def open_rectification(ctx: HandlerContext) -> dict:
    """Start a rectification period (the first, or an extension after a failed acceptance)."""
    v = ctx.variables
    now = clock.now()
    rounds = int(v.get("rectification_round") or 0) + 1
    ends = add_duration(now, v["rectification_period"])
    record(ctx, "branch.rectification_started", round=rounds, period=v["rectification_period"],
           report_cycle=v["report_cycle"])
    return {"rectification_round": rounds, "rectification_started_at": now.isoformat(),
            "rectification_ends_at": ends.isoformat()}


@handler("rate_rectification_progress")
def rate_rectification_progress(ctx: HandlerContext) -> dict:
    """Actual against expected progress; ``progress_gap`` feeds the red/green table.

    Expected progress grows linearly over the rectification period.
    """
    v = ctx.variables
    started = datetime.fromisoformat(v["rectification_started_at"])
    elapsed = clock.now() - started
    period = add_duration(started, v["rectification_period"]) - started
    expected = min(100.0, round(elapsed / period * 100, 2))
    actual = percent(v["measures_done"], v["measures_total"])
    return {"progress_percent": actual, "expected_percent": expected, "progress_gap": round(expected - actual, 2),
            "report_no": len(round_reports(ctx)) + 1}


@handler("record_progress_report")
def record_progress_report(ctx: HandlerContext) -> None:
    v = ctx.variables
    record(ctx, "branch.progress_reported", round=v["rectification_round"], report_no=v["report_no"],
           light=v["progress_light"], reason=v["progress_light_reason"], progress_percent=v["progress_percent"],
           expected_percent=v["expected_percent"], measures_done=v["measures_done"],
           measures_total=v["measures_total"], overdue_measures=v["overdue_measures"])


@handler("summarise_progress_reports")
def summarise_progress_reports(ctx: HandlerContext) -> dict:
    """Red and green reports of the current period, for the acceptance."""
    lights = [e.data.get("light") for e in round_reports(ctx)]
    return {"progress_reports": len(lights), "progress_red": lights.count("red"),
            "progress_green": lights.count("green")}


@handler("extend_rectification")
def extend_rectification(ctx: HandlerContext) -> dict:
    """延长整顿期: the next period and its reports follow the extension terms."""
    v = ctx.variables
    failed_at = "district" if v.get("street_passed") else "street"
    opinion = v.get("district_opinion") if failed_at == "district" else v.get("street_opinion")
    extensions = int(v.get("extension_count") or 0) + 1
    record(ctx, "branch.extended", round=v["rectification_round"], failed_at=failed_at, opinion=opinion,
           extension=extensions)
    return {"extension_count": extensions, "rectification_period": v["extension_period"],
            "report_cycle": v["extension_report_cycle"]}


@handler("delist_branch")
def delist_branch(ctx: HandlerContext) -> dict:
    """销号, and tell the branch when the follow-up review comes."""
    v = ctx.variables
    now = clock.now()
    followup = add_duration(now, v["followup_delay"])
    for user_id in users_with_role("community_secretary", ctx.org_unit_code):
        notify_user(user_id, "branch_delisted", f"{v['branch_name']}整顿验收合格，予以销号",
                    f"将于{followup:%Y年%m月}回头看，巩固整顿成果。", instance_id=ctx.instance_id)
    record(ctx, "branch.delisted", branch_name=v.get("branch_name"), rounds=v["rectification_round"],
           extensions=v.get("extension_count"), street_score=v.get("street_score"))
    return {"delisted_at": now.isoformat(), "followup_due_at": followup.isoformat()}
