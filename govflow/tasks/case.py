"""Service-task handlers of case handling (群众诉求/事件处置, process ``case_handling``).

Each handler does one step of processes/case_handling.bpmn and returns the variables
it sets. The figures behind the 三率 (response, resolution and satisfaction rates),
overdue counts and handling time are kept twice: as process variables, for the
diagram's conditions and the instance view, and as ledger entries (台账), which the
statistics read by kind, org unit and month. Case-level entries belong to the
community, department entries to the department.

Times are UTC ISO-8601 text, so that process data stays JSON.
"""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from ..engine.durations import parse_duration
from ..errors import ValidationFailed
from ..extensions import db
from ..forms.validation import validate_submission
from ..identity.service import ancestor_of_kind, find_org_unit
from ..instances.trials import keeps_quiet
from ..notifications.robots import announce_case
from ..notifications.service import notify_audience
from ..notifications.sms import queue_sms
from ..privacy.masking import mask_name, mask_text, reporter_names
from ..records.service import next_number, publish_result
from ..worklist.models import HumanTask, TaskStatus
from . import HandlerContext, handler
from .case_common import (
    CATEGORY_NAMES,
    RATING_ALIASES,
    RATINGS,
    SMS_TEXTS,
    clip,
    hours_since,
    iso,
    now_utc,
    record,
    unit_id,
)


# -- intake --------------------------------------------------------------------
@handler("check_case_report")
def check_case_report(ctx: HandlerContext) -> dict:
    """The report read through the start form ``case.report``: defaults applied, bad
    values refused. Starting an instance does not validate its start form, so an API
    caller's mistake (a malformed phone number, an unknown category) would otherwise run
    on silently; here it becomes an incident naming the fields."""
    try:
        return validate_submission("case.report", [], ctx.variables)
    except ValidationFailed as exc:
        problems = "; ".join(f"{name}: {', '.join(map(str, msgs))}" for name, msgs in exc.errors.items())
        raise ValueError(f"上报内容有误 — {problems}") from exc


@handler("assign_case_number")
def assign_case_number(ctx: HandlerContext) -> dict:
    """案件编号 ``2026-000042`` from the gap-free ``case`` sequence; it is also the business
    key residents quote and ratings correlate on. A number brought by the reporting
    system (12345 hotline) is kept."""
    case_no = ctx.variables.get("case_no") or ctx.business_key or next_number("case")
    return {"case_no": case_no, "business_key": case_no, "reported_at": iso(now_utc())}


@handler("route_case")
def route_case(ctx: HandlerContext) -> dict:
    """The grid, community and street of the case (the scopes of its tasks) and the case's
    figures, zeroed. A ``grid`` variable names the grid when the case was started for a
    community. Raises ValueError for a grid outside the instance's unit or no grid at all:
    grid workers only see their own grid."""
    v = ctx.variables
    unit, grid = find_org_unit(ctx.org_unit_code), find_org_unit(v.get("grid") or ctx.org_unit_code)
    if grid is None or grid.kind != "grid" or unit is None or not grid.path.startswith(unit.path):
        raise ValueError(f"案件须上报到本单位的网格，'{v.get('grid') or ctx.org_unit_code}' 不是")
    community, street = ancestor_of_kind(grid, "community"), ancestor_of_kind(grid, "street")
    if community is None or street is None:
        raise ValueError(f"网格 '{grid.code}' 不属于任何社区或街道")
    out = {"grid": grid.code, "community": community.code, "street": street.code,
           "suggested_departments": [], "departments": [], "active_departments": [],
           "returned_departments": [], "all_returned_departments": [], "departments_involved": [],
           "overdue_departments": [], "dispatch_round": 0, "redo_count": 0, "reopen_count": 0,
           "escalated": False, "responded_in_time": None, "resolved": False, "reopened": False,
           "satisfied": None, "ratings": []}
    record(ctx, "received", community.code, source=v.get("source"), grid=grid.code, community=community.code)
    announce_case(ctx, "case_reported", out)
    return out


# -- response ------------------------------------------------------------------
@handler("record_response_time")
def record_response_time(ctx: HandlerContext) -> dict:
    """响应: whether the grid worker answered within the response limit (响应率)."""
    v = ctx.variables
    hours = hours_since(v.get("reported_at")) or 0.0
    in_time = hours * 3600 <= parse_duration(v["response_limit"]).total_seconds()
    record(ctx, "responded", in_time=in_time, hours=hours, resolution=v.get("resolution"))
    if v.get("resolution") != "invalid":  # 受理: tell the reporter (with phone and consent)
        notify_reporter(replace(ctx, properties={"template": "accepted"}))
    return {"responded_in_time": in_time, "responded_at": iso(now_utc()), "response_hours": hours}


@handler("escalate_to_community")
def escalate_to_community(ctx: HandlerContext) -> dict:
    """响应超时: the grid task is withdrawn and the community takes the case over."""
    record(ctx, "escalated", limit=ctx.variables.get("response_limit"))
    return {"escalated": True, "responded_in_time": False}


@handler("notify_assignees")
def notify_assignees(ctx: HandlerContext) -> dict:
    """催办: an ``urged`` notification to whoever holds, or may take, the open tasks of this
    case named by the property ``tasks`` (element ids, comma-separated). Returns the
    running count ``<first element>_reminders``."""
    elements = [e.strip() for e in ctx.properties.get("tasks", "").split(",") if e.strip()]
    rows = db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == ctx.instance_id, HumanTask.element_id.in_(elements),
        HumanTask.status == TaskStatus.open.value)).all()
    for row in rows:
        notify_audience("urged", row)
    key = f"{elements[0] if elements else 'task'}_reminders"
    return {key: int(ctx.variables.get(key) or 0) + 1}


# -- result, publication, rating, closure ------------------------------------
def resolution_path(v: dict) -> str:
    """Who resolved the case: on_spot (网格), community, deliberation or departments."""
    decision = v.get("decision")
    if decision is None:
        return "on_spot"
    if decision == "self":
        return "community"
    if decision == "deliberate" and v.get("deliberation_outcome") != "whistle":
        return "deliberation"
    return "departments"


def _result_of(v: dict, path: str) -> tuple[str, list]:
    if path == "on_spot":
        return v.get("handling_result") or "", list(v.get("verify_photos") or [])
    if path == "community":
        return v.get("handling_result") or "", list(v.get("handling_photos") or [])
    if path == "deliberation":
        return v.get("agreement") or "", list(v.get("minutes_files") or [])
    results = v.get("department_results") or []
    return "；".join(r.get("result") or "" for r in results), [p for r in results for p in r.get("photos") or []]


@handler("record_resolution")
def record_resolution(ctx: HandlerContext) -> dict:
    """办结: who resolved it, with what, and the handling time since the report (解决率)."""
    v = ctx.variables
    path = resolution_path(v)
    summary, photos = _result_of(v, path)
    hours = hours_since(v.get("reported_at"))
    record(ctx, "resolved", path=path, hours=hours, reopen_count=v.get("reopen_count") or 0)
    return {"resolved": True, "resolved_at": iso(now_utc()), "resolution_path": path, "handling_hours": hours,
            "result_summary": summary, "result_photos_public": photos}


@handler("publish_case_result")
def publish_case_result(ctx: HandlerContext) -> dict:
    """结果公开 on the community's public board, personal data masked."""
    v = ctx.variables
    category = CATEGORY_NAMES.get(v.get("category") or "", "其他")
    names = reporter_names(v)
    summary = (f"{mask_name(v.get('reporter_name'), '居民')}反映：{mask_text(v.get('description'), names)}"
               f"（{mask_text(v.get('location'), names)}）。办理结果：{mask_text(v.get('result_summary'), names)}")
    publish_result(ctx.instance_id, unit_id(v.get("community")) or unit_id(ctx.org_unit_code),
                   f"【{category}】{mask_text(v.get('title'), names)}", summary, category=v.get("category"),
                   photos=v.get("result_photos_public") or [], business_key=v.get("case_no"))
    return {"published_at": iso(now_utc())}


@handler("notify_reporter")
def notify_reporter(ctx: HandlerContext) -> dict:
    """告知反映人 by SMS, only with a phone number and consent. Property ``template``:
    ``resolved`` (asks for a rating), ``invalid`` (不予受理) or ``accepted`` (受理)."""
    v = ctx.variables
    template = ctx.properties.get("template", "resolved")
    if not (v.get("reporter_phone") and v.get("sms_consent")) or keeps_quiet(ctx.instance_id):
        return {"reporter_notified": False}
    street = find_org_unit(v.get("street") or "")
    # The reporter reads it, but staff may have pasted other people's numbers into the texts.
    params = dict(street=street.name if street else "", title=_phrase(clip(mask_text(v.get("title")), 30)),
                  case_no=v.get("case_no"), result=_phrase(clip(mask_text(v.get("result_summary")), 60)),
                  note=_phrase(clip(mask_text(v.get("verify_note")), 60)))
    queue_sms(v["reporter_phone"], f"case_{template}", params, SMS_TEXTS[template].format(**params),
              f"case:{v.get('case_no')}:{template}:{v.get('reopen_count') or 0}", case_no=v.get("case_no"))
    return {"reporter_notified": True, "notified_at": iso(now_utc())}


def _phrase(text: str | None) -> str:
    """Staff text set inside an SMS sentence: its own closing punctuation goes, so the
    message never reads "已修复。。" or "不属实。，"."""
    return (text or "").rstrip("。．.！!？?；;，,、 \u3000")


@handler("record_case_rating")
def record_case_rating(ctx: HandlerContext) -> dict:
    """评价 from the resident's message or the callback (property ``via``). 满意率 counts
    satisfied and basically satisfied. Raises ValueError for a rating it cannot read."""
    v = ctx.variables
    raw = str(v.get("rating") or "").strip()
    rating = RATING_ALIASES.get(raw, raw)
    if rating not in RATINGS:
        raise ValueError(f"评价 '{raw}' 无法识别：应为 satisfied、basic 或 unsatisfied")
    via = ctx.properties.get("via", "message")
    record(ctx, "rated", rating=rating, via=via, round=v.get("reopen_count") or 0,
            comment=v.get("rating_comment"))
    entry = {"rating": rating, "via": via, "at": iso(now_utc()), "comment": v.get("rating_comment")}
    if rating == "unsatisfied":
        announce_case(ctx, "rating_unsatisfied")
    return {"rating": rating, "rated_via": via, "satisfied": rating != "unsatisfied",
            "ratings": [*(v.get("ratings") or []), entry]}


@handler("reopen_case")
def reopen_case(ctx: HandlerContext) -> dict:
    """不满意: the case goes back to 分析研判 (at most ``max_reopens`` times)."""
    v = ctx.variables
    count = int(v.get("reopen_count") or 0) + 1
    record(ctx, "reopened", reopen_count=count, comment=v.get("rating_comment"))
    return {"reopen_count": count, "reopened": True, "resolved": False, "active_departments": [],
            "returned_departments": []}


@handler("close_case_ledger")
def close_case_ledger(ctx: HandlerContext) -> dict:
    """结案，台账清零: the case's final figures in one ledger line. Property ``outcome``
    (``invalid``) overrides the outcome read from the rating."""
    v = ctx.variables
    outcome = ctx.properties.get("outcome") or ("closed_unsatisfied" if v.get("rating") == "unsatisfied"
                                                 else "closed")
    figures = {key: v.get(key) for key in (
        "responded_in_time", "escalated", "resolved", "resolution_path", "satisfied", "rating", "reopened",
        "reopen_count", "redo_count", "handling_hours", "departments_involved", "overdue_departments")}
    record(ctx, "closed", outcome=outcome, closed_hours=hours_since(v.get("reported_at")), **figures)
    announce_case(ctx, "case_closed", {"case_status": outcome})
    return {"case_status": outcome, "closed_at": iso(now_utc())}
