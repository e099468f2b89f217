"""吹哨报到 of case handling: the departments a case is dispatched to, their 退单, reports
and overdue lists, round by round (processes/case_handling.bpmn, the departments'
multi-instance). What a round adds is kept on the ledger, where branch variables do not
survive the multi-instance."""
from __future__ import annotations

from sqlalchemy import or_, select

from ..engine.durations import add_duration
from ..extensions import db
from ..identity.models import OrgUnit
from ..records.models import LedgerEntry
from ..worklist.models import HumanTask, TaskStatus
from . import HandlerContext, handler
from .case_common import hours_since, iso, now_utc, parse_iso, record, unique


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
    units = {u.code: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.code.in_(unique(chosen))))}
    departments = [code for code in unique(chosen) if code in units and units[code].kind == "department"]
    problem = None if departments else "无可派部门：推荐部门已退单或已在办理，请指定部门或改为社区处置"
    return {"departments": departments, "dispatch_kind": "dispatch", "dispatch_problem": problem}


@handler("open_dispatch_round")
def open_dispatch_round(ctx: HandlerContext) -> dict:
    """派单登记: numbers the round, dates the departments' deadline from now (the timer of
    督办 runs from the same instant) and puts each department on the ledger."""
    v = ctx.variables
    round_no, now = int(v.get("dispatch_round") or 0) + 1, now_utc()
    due = add_duration(now, v["dept_deadline"])
    for department in v["departments"]:
        record(ctx, "dispatched", department, department=department, round=round_no,
                dispatch_kind=v.get("dispatch_kind"), due_at=iso(due))
    return {"dispatch_round": round_no, "dispatched_at": iso(now), "dept_due_at": iso(due),
            "departments_involved": unique(v.get("departments_involved"), v["departments"])}


@handler("record_department_return")
def record_department_return(ctx: HandlerContext) -> dict:
    """退单, inside one department's branch: the reason goes to the ledger, where
    :func:`collect_department_results` finds it (branch variables do not survive the
    multi-instance)."""
    v = ctx.variables
    record(ctx, "department_returned", v["department"], department=v["department"],
            round=v.get("dispatch_round"), reason=v.get("return_reason"),
            suggested=v.get("suggested_department"))
    return {"returned": True}


@handler("record_department_report")
def record_department_report(ctx: HandlerContext) -> dict:
    """办理反馈 of one department: result, photos and whether it came after the deadline."""
    v = ctx.variables
    overdue = now_utc() > parse_iso(v["dept_due_at"])
    record(ctx, "department_reported", v["department"], department=v["department"],
            round=v.get("dispatch_round"), dispatch_kind=v.get("dispatch_kind"), result=v.get("dept_result"),
            photos=v.get("result_photos") or [], overdue=overdue, hours=hours_since(v.get("dispatched_at")))
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
        record(ctx, "department_overdue", department, department=department, round=v.get("dispatch_round"))
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
    returned = unique([e.data["department"] for e in this_round if e.kind == "case_department_returned"])
    reported = [e.data["department"] for e in this_round if e.kind == "case_department_reported"]
    active = [d for d in unique(v.get("active_departments"), reported) if d not in returned]
    latest = {e.data["department"]: e.data for e in this_round if e.kind == "case_department_reported"}
    for department in [d for d in active if d not in latest]:
        report = _latest_report(ctx.instance_id, department)
        if report is not None:
            latest[department] = report
    overdue = unique(v.get("overdue_departments"), _overdue_departments(ctx.instance_id))
    return {"returned_departments": returned, "active_departments": active,
            "all_returned_departments": unique(v.get("all_returned_departments"), returned),
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
    record(ctx, "redo", departments=v.get("active_departments") or [], note=v.get("check_note"), redo=redo)
    return {"departments": list(v.get("active_departments") or []), "dispatch_kind": "redo", "redo_count": redo}

