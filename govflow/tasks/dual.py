"""Handlers of dual reporting (在职党员双报到 ``dual_reporting``, 单位党组织双报到 ``dual_reporting_unit``).

Service records arrive as ``service_logged`` messages inside the service year
and quarterly feedback runs on its own timer path, so neither can hand totals to
the other through process variables: the ledger (台账) is the record of service,
and totals are always summed from it.
"""
from __future__ import annotations

from sqlalchemy import func, select

from ..engine import clock
from ..engine.durations import add_duration
from ..extensions import db
from ..identity.models import OrgUnit, RoleGrant, User
from ..records.models import LedgerEntry
from ..records.service import next_number, notify_user
from . import HandlerContext, handler
from .owners import percent, record, users_with_role

GRADE_LABELS = {"excellent": "优秀", "pass": "合格", "fail": "不合格"}
#: Longest single service record accepted from a message, hours.
MAX_HOURS_PER_RECORD = 24


def service_logs(ctx: HandlerContext) -> list[dict]:
    return [e.data for e in db.session.scalars(select(LedgerEntry).where(
        LedgerEntry.instance_id == ctx.instance_id, LedgerEntry.kind == "dual.service_logged")
        .order_by(LedgerEntry.id))]


def totals(ctx: HandlerContext) -> dict:
    logs = service_logs(ctx)
    return {"hours": round(sum(log["hours"] for log in logs), 1), "points": sum(log["points"] for log in logs),
            "records": len(logs)}


def notify_member(ctx: HandlerContext, kind: str, title: str, body: str) -> None:
    username = ctx.variables.get("member_username")
    user_id = db.session.scalar(select(User.id).where(User.username == username)) if username else None
    if user_id:
        notify_user(user_id, kind, title, body, instance_id=ctx.instance_id)


def notify_unit(ctx: HandlerContext, unit_code: str, kind: str, title: str, body: str) -> int:
    recipients = users_with_role("unit_party_secretary", unit_code)
    for user_id in recipients:
        notify_user(user_id, kind, title, body, instance_id=ctx.instance_id)
    return len(recipients)


@handler("assign_dual_number")
def assign_dual_number(ctx: HandlerContext) -> dict:
    """报到编号 ``<property prefix>-2026-000001``, the business key unless the starter gave one.

    The unit variant is started for a unit (``unit_code``); without an existing
    one no unit party secretary could ever see its tasks, so it fails here, as an
    incident the administrator sees, rather than later in silence.
    """
    prefix = ctx.properties.get("prefix", "SBD")
    v = ctx.variables
    if prefix == "DWBD":
        kind = db.session.scalar(select(OrgUnit.kind).where(OrgUnit.code == str(v.get("unit_code"))))
        if kind not in ("unit", "department"):
            raise ValueError(f"单位报到须以 unit_code 指明平台中已有的单位，收到 {v.get('unit_code')!r}")
    number = f"{prefix}-{next_number('dual_' + prefix.lower())}"
    return {"dual_no": number, "business_key": v.get("business_key") or number,
            "member_username": v.get("member_username") or _member_starter(v.get("initiator"))}


def _member_starter(username: str | None) -> str | None:
    """The starter (``camunda:initiator``) when a party member registers themself;
    staff and systems that register for someone leave the step to the staff pool."""
    if not username:
        return None
    return db.session.scalar(select(User.username).join(RoleGrant, RoleGrant.user_id == User.id)
                             .where(User.username == username, RoleGrant.role == "party_member").limit(1))


@handler("close_dual_registration")
def close_dual_registration(ctx: HandlerContext) -> dict:
    """Registration not confirmed (``reason`` employer) or not accepted (community): record and tell."""
    reason = ctx.properties["reason"]
    opinion = ctx.variables.get(ctx.properties.get("opinion", ""))
    who = "工作单位党组织未确认" if reason == "employer" else "社区未接收"
    record(ctx, "dual.registration_closed", reason=reason, opinion=opinion)
    notify_member(ctx, "dual_closed", f"您的双报到申请{who}", opinion or "")
    return {"closed_reason": reason}


@handler("match_service_posts")
def match_service_posts(ctx: HandlerContext) -> dict:
    """The community's needs that the member wants to serve, else all of them."""
    v = ctx.variables
    posts, labels = list(v.get("need_posts") or []), list(v.get("need_post_labels") or [])
    wanted = set(v.get("service_preferences") or [])
    matched = [(p, label) for p, label in zip(posts, labels) if p in wanted] or list(zip(posts, labels))
    return {"suggested_posts": [p for p, _ in matched], "suggested_post_labels": [label for _, label in matched]}


@handler("assign_service_post")
def assign_service_post(ctx: HandlerContext) -> dict:
    """The grid must be one of this community's, the post one of its needs; then the service year opens."""
    v = ctx.variables
    if not v.get("community_accepted"):
        return {"assignment_valid": False, "assignment_problems": []}
    grid = db.session.scalar(select(OrgUnit).where(OrgUnit.code == str(v.get("grid_unit"))))
    problems = []
    if grid is None or grid.kind != "grid" or grid.parent is None or grid.parent.code != ctx.org_unit_code:
        problems.append(f"{v.get('grid_unit')}不是本社区的网格")
    if v.get("service_post") not in (v.get("need_posts") or []):
        problems.append("所选岗位不在本社区需求清单中")
    if problems or grid is None:
        return {"assignment_valid": False, "assignment_problems": problems}
    now = clock.now()
    ends = add_duration(now, v["service_period"])
    label = dict(zip(v.get("need_posts") or [], v.get("need_post_labels") or [])).get(v["service_post"])
    record(ctx, "dual.registered", employer_unit=v["employer_unit"], grid_unit=v["grid_unit"],
           service_post=v["service_post"], skills=v.get("skills"))
    notify_member(ctx, "dual_accepted", f"报到成功：{grid.name}·{label}",
                  f"服务年度至{ends:%Y年%m月%d日}，请通过小程序登记每次服务。")
    notify_unit(ctx, v["employer_unit"], "dual_accepted", f"{v['member_name']}已到居住地社区报到",
                f"编入{grid.name}，服务岗位：{label}。社区将按季度反馈服务情况。")
    return {"assignment_valid": True, "assignment_problems": [], "service_post_label": label,
            "service_started_at": now.isoformat(), "service_ends_at": ends.isoformat()}


@handler("log_service_record")
def log_service_record(ctx: HandlerContext) -> dict:
    """One ``service_logged`` message: hours, points, activity, date. Bad figures are counted, not kept."""
    v = ctx.variables
    now = clock.now()
    try:
        hours, points = float(v.get("hours", "")), int(v.get("points", ""))
    except (TypeError, ValueError):
        hours, points = -1.0, -1
    if not 0 < hours <= MAX_HOURS_PER_RECORD or points < 0:
        return {"rejected_logs": int(v.get("rejected_logs") or 0) + 1}
    record(ctx, "dual.service_logged", hours=hours, points=points, activity=v.get("activity"),
           service_date=v.get("service_date") or now.date().isoformat(), source=v.get("source") or "mini_program")
    return {"last_logged_at": now.isoformat()}


@handler("send_quarterly_feedback")
def send_quarterly_feedback(ctx: HandlerContext) -> dict:
    """季度反馈: the service so far, to the employer's party organisation."""
    v = ctx.variables
    sums = totals(ctx)
    quarter = (db.session.scalar(select(func.count(LedgerEntry.id)).where(
        LedgerEntry.instance_id == ctx.instance_id, LedgerEntry.kind == "dual.quarterly_feedback")) or 0) + 1
    notified = notify_unit(ctx, v["employer_unit"], "dual_feedback",
                           f"{v['member_name']}第{quarter}季度社区报到服务情况",
                           f"累计服务{sums['records']}次、{sums['hours']}小时，积分{sums['points']}分"
                           f"（全年合格线：50小时、60分）。岗位：{v.get('service_post_label')}。")
    record(ctx, "dual.quarterly_feedback", quarter=quarter, notified=notified, **sums)
    return {"feedback_quarter": quarter}


@handler("summarise_service_year")
def summarise_service_year(ctx: HandlerContext) -> dict:
    sums = totals(ctx)
    return {"service_hours_total": sums["hours"], "service_points_total": sums["points"],
            "service_records_total": sums["records"]}


@handler("report_member_evaluation")
def report_member_evaluation(ctx: HandlerContext) -> dict:
    """The community's grade (the table's unless adjusted) goes to the employer and the member."""
    v = ctx.variables
    grade = v["member_grade"] if v.get("evaluation_confirmed") else v["adjusted_grade"]
    label = GRADE_LABELS[grade]
    body = (f"服务{v['service_records_total']}次、{v['service_hours_total']}小时，积分{v['service_points_total']}分，"
            f"年度评议等次：{label}。{v.get('evaluation_comment') or ''}")
    notify_unit(ctx, v["employer_unit"], "dual_evaluated", f"{v['member_name']}年度社区报到服务评议结果", body)
    notify_member(ctx, "dual_evaluated", f"年度评议结果：{label}", body)
    record(ctx, "dual.evaluated", grade=grade, table_grade=v["member_grade"], hours=v["service_hours_total"],
           points=v["service_points_total"], employer_unit=v["employer_unit"])
    return {"final_grade": grade, "final_grade_label": label}


@handler("register_cobuilding_agreement")
def register_cobuilding_agreement(ctx: HandlerContext) -> dict:
    """The three lists of the co-building agreement, counted."""
    v = ctx.variables
    projects = v.get("project_list") or []
    record(ctx, "dual.agreement_signed", unit_code=v["unit_code"], agreement_no=v["agreement_no"],
           term_years=v["term_years"], resources=len(v.get("resource_list") or []),
           needs=len(v.get("need_list") or []), projects=len(projects))
    return {"project_count": len(projects), "agreement_year": 0}


@handler("rate_cobuilding_year")
def rate_cobuilding_year(ctx: HandlerContext) -> dict:
    v = ctx.variables
    return {"project_completion_rate": min(100.0, percent(v["projects_completed"], v["project_count"]))}


@handler("record_unit_evaluation")
def record_unit_evaluation(ctx: HandlerContext) -> dict:
    """One agreement year graded; another follows while the agreement runs."""
    v = ctx.variables
    grade = v["unit_grade"] if v.get("evaluation_confirmed") else v["adjusted_grade"]
    year = int(v.get("agreement_year") or 0) + 1
    notify_unit(ctx, v["unit_code"], "dual_evaluated", f"{v['unit_name']}第{year}年度共建评议结果",
                f"项目完成率{v['project_completion_rate']}%，评议等次：{GRADE_LABELS[grade]}。")
    record(ctx, "dual.unit_evaluated", year=year, grade=grade, table_grade=v["unit_grade"],
           completion_rate=v["project_completion_rate"], service_hours=v["unit_service_hours"],
           volunteers=v["volunteers_count"])
    return {"agreement_year": year, "final_grade": grade, "agreement_active": year < int(v["term_years"])}
