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

import re
from dataclasses import replace
from datetime import datetime, timezone

from sqlalchemy import or_, select

from ..engine.durations import parse_duration
from ..errors import ValidationFailed
from ..extensions import db
from ..forms.validation import validate_submission
from ..identity.models import OrgUnit
from ..identity.service import ancestor_of_kind, find_org_unit
from ..records.models import LedgerEntry
from ..notifications.robots import announce_case
from ..notifications.service import notify_audience
from ..notifications.sms import queue_sms
from ..records.service import add_ledger_entry, next_number, publish_result
from ..timeutil import utcnow
from ..worklist.models import HumanTask, TaskStatus
from . import HandlerContext, handler

CATEGORY_NAMES = {"road": "道路设施", "sanitation": "环境卫生", "greening": "园林绿化", "parking": "停车管理",
                  "noise": "噪声扰民", "property": "物业管理", "market": "市场秩序", "construction": "违章搭建",
                  "safety": "安全隐患", "other": "其他"}
RATINGS = ("satisfied", "basic", "unsatisfied")
#: What residents type in an SMS reply or a mini-program sends, mapped to the rating codes.
RATING_ALIASES = {"1": "satisfied", "满意": "satisfied", "2": "basic", "基本满意": "basic",
                  "3": "unsatisfied", "不满意": "unsatisfied"}
SMS_TEXTS = {
    "accepted": "【{street}】您反映的“{title}”（编号{case_no}）已受理，网格员已到现场核实，将尽快办理。",
    "resolved": "【{street}】您反映的“{title}”（编号{case_no}）已办结：{result}。"
                "请回复1满意、2基本满意、3不满意，逾期未评价将电话回访。",
    "invalid": "【{street}】您反映的“{title}”（编号{case_no}）经现场核实：{note}，不予立案。如有异议请拨打12345。",
}
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_CARD = re.compile(r"(?<!\d)(\d{3})\d{11}(\d{3}[\dXx])(?!\d)")
_ROOM = re.compile(r"\d+(室|户|号房)")


# -- helpers -------------------------------------------------------------------
def _now() -> datetime:
    return utcnow().replace(tzinfo=timezone.utc)


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _parse(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _hours_since(text: str | None) -> float | None:
    return round((_now() - _parse(text)).total_seconds() / 3600, 2) if text else None


def _unit_id(code: str | None) -> int | None:
    unit = find_org_unit(code) if code else None
    return unit.id if unit else None


def _record(ctx: HandlerContext, kind: str, unit_code: str | None = None, **data) -> LedgerEntry:
    """A ledger line of this case, on the community unless another unit is named."""
    v = ctx.variables
    base = {"case_no": v.get("case_no"), "category": v.get("category"), "urgency": v.get("urgency"),
            "grid": v.get("grid"), "community": v.get("community")}
    return add_ledger_entry(ctx.instance_id, ctx.process_key, f"case_{kind}",
                            _unit_id(unit_code or v.get("community") or ctx.org_unit_code),
                            business_key=v.get("case_no") or ctx.business_key, data={**base, **data})


def _clip(text: str | None, length: int) -> str:
    text = (text or "").strip()
    return text if len(text) <= length else text[:length - 1] + "…"


def _unique(*lists) -> list:
    return list(dict.fromkeys(item for values in lists for item in (values or [])))


def mask_text(text: str | None) -> str:
    """Public-board text: mobile numbers, ID-card numbers and room numbers masked."""
    text = _PHONE.sub(r"\1****\2", text or "")
    text = _ID_CARD.sub(r"\1***********\2", text)
    return _ROOM.sub(r"**\1", text)


def mask_name(name: str | None) -> str:
    name = (name or "").strip()
    return name[0] + "*" * max(len(name) - 1, 1) if name else "居民"


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
    return {"case_no": case_no, "business_key": case_no, "reported_at": _iso(_now())}


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
    _record(ctx, "received", community.code, source=v.get("source"), grid=grid.code, community=community.code)
    announce_case(ctx, "case_reported", out)
    return out


# -- response ------------------------------------------------------------------
@handler("record_response_time")
def record_response_time(ctx: HandlerContext) -> dict:
    """响应: whether the grid worker answered within the response limit (响应率)."""
    v = ctx.variables
    hours = _hours_since(v.get("reported_at")) or 0.0
    in_time = hours * 3600 <= parse_duration(v["response_limit"]).total_seconds()
    _record(ctx, "responded", in_time=in_time, hours=hours, resolution=v.get("resolution"))
    if v.get("resolution") != "invalid":  # 受理: tell the reporter (with phone and consent)
        notify_reporter(replace(ctx, properties={"template": "accepted"}))
    return {"responded_in_time": in_time, "responded_at": _iso(_now()), "response_hours": hours}


@handler("escalate_to_community")
def escalate_to_community(ctx: HandlerContext) -> dict:
    """响应超时: the grid task is withdrawn and the community takes the case over."""
    _record(ctx, "escalated", limit=ctx.variables.get("response_limit"))
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


# -- whistle and departments ---------------------------------------------------
@handler("prepare_dispatch")
def prepare_dispatch(ctx: HandlerContext) -> dict:
    """吹哨: the departments the community chose, else those the routing table suggests
    minus the ones that returned the case (退单) or already hold it. Codes that are not
    departments are dropped; an empty list sends the case back to 分析研判 with
    ``dispatch_problem`` saying why."""
    v = ctx.variables
    busy = set(v.get("all_returned_departments") or []) | set(v.get("active_departments") or [])
    chosen = v.get("departments") or [d for d in v.get("suggested_departments") or [] if d not in busy]
    units = {u.code: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.code.in_(_unique(chosen))))}
    departments = [code for code in _unique(chosen) if code in units and units[code].kind == "department"]
    problem = None if departments else "无可派部门：推荐部门已退单或已在办理，请指定部门或改为社区处置"
    return {"departments": departments, "dispatch_kind": "dispatch", "dispatch_problem": problem}


@handler("open_dispatch_round")
def open_dispatch_round(ctx: HandlerContext) -> dict:
    """派单登记: numbers the round, dates the departments' deadline from now (the timer of
    督办 runs from the same instant) and puts each department on the ledger."""
    v = ctx.variables
    round_no, now = int(v.get("dispatch_round") or 0) + 1, _now()
    due = now + parse_duration(v["dept_deadline"])
    for department in v["departments"]:
        _record(ctx, "dispatched", department, department=department, round=round_no,
                dispatch_kind=v.get("dispatch_kind"), due_at=_iso(due))
    return {"dispatch_round": round_no, "dispatched_at": _iso(now), "dept_due_at": _iso(due),
            "departments_involved": _unique(v.get("departments_involved"), v["departments"])}


@handler("record_department_return")
def record_department_return(ctx: HandlerContext) -> dict:
    """退单, inside one department's branch: the reason goes to the ledger, where
    :func:`collect_department_results` finds it (branch variables do not survive the
    multi-instance)."""
    v = ctx.variables
    _record(ctx, "department_returned", v["department"], department=v["department"],
            round=v.get("dispatch_round"), reason=v.get("return_reason"),
            suggested=v.get("suggested_department"))
    return {"returned": True}


@handler("record_department_report")
def record_department_report(ctx: HandlerContext) -> dict:
    """办理反馈 of one department: result, photos and whether it came after the deadline."""
    v = ctx.variables
    overdue = _now() > _parse(v["dept_due_at"])
    _record(ctx, "department_reported", v["department"], department=v["department"],
            round=v.get("dispatch_round"), dispatch_kind=v.get("dispatch_kind"), result=v.get("dept_result"),
            photos=v.get("result_photos") or [], overdue=overdue, hours=_hours_since(v.get("dispatched_at")))
    return {"dept_overdue": overdue}


@handler("list_overdue_departments")
def list_overdue_departments(ctx: HandlerContext) -> dict:
    """办理逾期: the departments whose task of this case is still open, each on the ledger."""
    v = ctx.variables
    codes = db.session.scalars(select(OrgUnit.code).join(HumanTask, HumanTask.scope_org_unit_id == OrgUnit.id).where(
        HumanTask.instance_id == ctx.instance_id, HumanTask.status == TaskStatus.open.value,
        HumanTask.element_id.in_(("dept_accept", "dept_handle"))))
    overdue = sorted(set(codes))
    for department in overdue:
        _record(ctx, "department_overdue", department, department=department, round=v.get("dispatch_round"))
    return {"overdue_now": overdue}


@handler("collect_department_results")
def collect_department_results(ctx: HandlerContext) -> dict:
    """What the departments of this round did: who returned it, who reported what.

    ``active_departments`` are those holding the case with a result (sent back to on
    重办); ``department_results`` their latest reports, for 核查 and the public result.
    Only this round's entries are loaded; earlier rounds are asked in SQL for what they
    add (overdue departments, a kept department's last report), so a step costs about
    the same in round 1,000 as in round 1 (docs/PERFORMANCE.md, target 3).
    """
    v = ctx.variables
    round_no = v.get("dispatch_round")
    # The last department's report was added in this very step; the change path does
    # not autoflush, so without this the query would not see it.
    db.session.flush()
    this_round = _round_entries(ctx.instance_id, round_no, ("case_department_returned", "case_department_reported",
                                                           "case_department_overdue"))
    returned = _unique([e.data["department"] for e in this_round if e.kind == "case_department_returned"])
    reported = [e.data["department"] for e in this_round if e.kind == "case_department_reported"]
    active = [d for d in _unique(v.get("active_departments"), reported) if d not in returned]
    latest = {e.data["department"]: e.data for e in this_round if e.kind == "case_department_reported"}
    for department in [d for d in active if d not in latest]:
        report = _latest_report(ctx.instance_id, department)
        if report is not None:
            latest[department] = report
    overdue = _unique(v.get("overdue_departments"), _overdue_departments(ctx.instance_id))
    return {"returned_departments": returned, "active_departments": active,
            "all_returned_departments": _unique(v.get("all_returned_departments"), returned),
            "overdue_departments": overdue,
            "department_results": [{"department": d, "result": latest[d].get("result"),
                                    "photos": latest[d].get("photos") or [], "overdue": latest[d].get("overdue")}
                                   for d in active if d in latest]}


def _round_entries(instance_id: int, round_no, kinds: tuple) -> list[LedgerEntry]:
    """This instance's ledger entries of ``kinds`` recorded in dispatch round ``round_no``."""
    query = select(LedgerEntry).where(LedgerEntry.instance_id == instance_id, LedgerEntry.kind.in_(kinds))
    if round_no is None:
        return [e for e in db.session.scalars(query.order_by(LedgerEntry.id)) if e.data.get("round") is None]
    return list(db.session.scalars(query.where(LedgerEntry.data["round"].as_integer() == int(round_no))
                                   .order_by(LedgerEntry.id)))


def _overdue_departments(instance_id: int) -> list[str]:
    """Departments ever overdue on this case (listed, or reported late), first first;
    only the matching entries' department codes leave the database."""
    L = LedgerEntry
    late = or_(L.kind == "case_department_overdue", L.data["overdue"].as_boolean().is_(True))
    return list(db.session.scalars(select(L.data["department"].as_string()).where(
        L.instance_id == instance_id, L.kind.in_(("case_department_overdue", "case_department_reported")), late)
        .order_by(L.id)))


def _latest_report(instance_id: int, department: str) -> dict | None:
    """The newest report of ``department`` on this case (one kept from an earlier round)."""
    entry = db.session.scalars(select(LedgerEntry).where(
        LedgerEntry.instance_id == instance_id, LedgerEntry.kind == "case_department_reported",
        LedgerEntry.data["department"].as_string() == department).order_by(LedgerEntry.id.desc()).limit(1)).first()
    return entry.data if entry is not None else None


@handler("send_back_for_redo")
def send_back_for_redo(ctx: HandlerContext) -> dict:
    """重办: 核查 failed; the departments holding the case handle it again (no new 签收)."""
    v = ctx.variables
    redo = int(v.get("redo_count") or 0) + 1
    _record(ctx, "redo", departments=v.get("active_departments") or [], note=v.get("check_note"), redo=redo)
    return {"departments": list(v.get("active_departments") or []), "dispatch_kind": "redo", "redo_count": redo}


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
    hours = _hours_since(v.get("reported_at"))
    _record(ctx, "resolved", path=path, hours=hours, reopen_count=v.get("reopen_count") or 0)
    return {"resolved": True, "resolved_at": _iso(_now()), "resolution_path": path, "handling_hours": hours,
            "result_summary": summary, "result_photos_public": photos}


@handler("publish_case_result")
def publish_case_result(ctx: HandlerContext) -> dict:
    """结果公开 on the community's public board, personal data masked."""
    v = ctx.variables
    category = CATEGORY_NAMES.get(v.get("category"), "其他")
    summary = (f"{mask_name(v.get('reporter_name'))}反映：{mask_text(v.get('description'))}"
               f"（{mask_text(v.get('location'))}）。办理结果：{mask_text(v.get('result_summary'))}")
    publish_result(ctx.instance_id, _unit_id(v.get("community")) or _unit_id(ctx.org_unit_code),
                   f"【{category}】{mask_text(v.get('title'))}", summary, category=v.get("category"),
                   photos=v.get("result_photos_public") or [], business_key=v.get("case_no"))
    return {"published_at": _iso(_now())}


@handler("notify_reporter")
def notify_reporter(ctx: HandlerContext) -> dict:
    """告知反映人 by SMS, only with a phone number and consent. Property ``template``:
    ``resolved`` (asks for a rating), ``invalid`` (不予受理) or ``accepted`` (受理)."""
    v = ctx.variables
    template = ctx.properties.get("template", "resolved")
    if not (v.get("reporter_phone") and v.get("sms_consent")):
        return {"reporter_notified": False}
    street = find_org_unit(v.get("street") or "")
    params = dict(street=street.name if street else "", title=_clip(v.get("title"), 30),
                  case_no=v.get("case_no"), result=_clip(v.get("result_summary"), 60),
                  note=_clip(v.get("verify_note"), 60))
    queue_sms(v["reporter_phone"], f"case_{template}", params, SMS_TEXTS[template].format(**params),
              f"case:{v.get('case_no')}:{template}:{v.get('reopen_count') or 0}", case_no=v.get("case_no"))
    return {"reporter_notified": True, "notified_at": _iso(_now())}


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
    _record(ctx, "rated", rating=rating, via=via, round=v.get("reopen_count") or 0,
            comment=v.get("rating_comment"))
    entry = {"rating": rating, "via": via, "at": _iso(_now()), "comment": v.get("rating_comment")}
    if rating == "unsatisfied":
        announce_case(ctx, "rating_unsatisfied")
    return {"rating": rating, "rated_via": via, "satisfied": rating != "unsatisfied",
            "ratings": [*(v.get("ratings") or []), entry]}


@handler("reopen_case")
def reopen_case(ctx: HandlerContext) -> dict:
    """不满意: the case goes back to 分析研判 (at most ``max_reopens`` times)."""
    v = ctx.variables
    count = int(v.get("reopen_count") or 0) + 1
    _record(ctx, "reopened", reopen_count=count, comment=v.get("rating_comment"))
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
    _record(ctx, "closed", outcome=outcome, closed_hours=_hours_since(v.get("reported_at")), **figures)
    announce_case(ctx, "case_closed", {"case_status": outcome})
    return {"case_status": outcome, "closed_at": _iso(_now())}
