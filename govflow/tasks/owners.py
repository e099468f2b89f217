"""Handlers of homeowners' committee formation (业委会组建, process ``owners_committee_formation``).

Thresholds and time limits come from the process variables that the owners_*.dmn
decisions set; the handlers only compute, check and record. Each figure worth
counting goes to the ledger (台账) under a ``owners.*`` kind. The helpers at the top
(``record``, ``unit_id``, ``users_with_role``, ``percent``) are shared with tasks/branch.py and tasks/dual.py.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from fractions import Fraction

from sqlalchemy import select

from ..engine import clock
from ..engine.durations import add_duration
from ..extensions import db
from ..identity.models import OrgUnit, RoleGrant
from ..records.service import add_ledger_entry, next_number, publish_result
from . import HandlerContext, handler

BEIJING = timezone(timedelta(hours=8))
#: Opening hour of an owners' meeting day, Beijing time.
MEETING_HOUR = time(9, 0)


# --------------------------------------------------------------------------- helpers

def unit_id(code: str) -> int | None:
    return db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))


def record(ctx: HandlerContext, kind: str, **data) -> None:
    """One ledger line for the instance's org unit."""
    add_ledger_entry(ctx.instance_id, ctx.process_key, kind, unit_id(ctx.org_unit_code),
                     ctx.business_key or ctx.variables.get("business_key"), data)


def users_with_role(role: str, unit_code: str) -> list[int]:
    """Users granted ``role`` at exactly this org unit (the people to notify there)."""
    return list(db.session.scalars(select(RoleGrant.user_id).join(OrgUnit, RoleGrant.org_unit_id == OrgUnit.id)
                                   .where(RoleGrant.role == role, OrgUnit.code == unit_code)
                                   .order_by(RoleGrant.user_id)))


def beijing_today() -> date:
    return clock.now().astimezone(BEIJING).date()


def percent(part, whole) -> float:
    return round(float(part) * 100 / float(whole), 2) if whole else 0.0


def completed_years(since: date, until: date) -> int:
    """Whole years between two dates (满N年), counting anniversaries."""
    years = until.year - since.year
    if (until.month, until.day) < (since.month, since.day):
        years -= 1
    return max(years, 0)


def at_least(part, whole, numerator, denominator, strict: bool = False) -> bool:
    """``part / whole`` ≥ (or >) ``numerator / denominator``, exactly (no rounding)."""
    left = Fraction(str(part)) * int(denominator)
    right = Fraction(str(whole)) * int(numerator)
    return left > right if strict else left >= right


# --------------------------------------------------------------------------- handlers

@handler("record_owners_ledger")
def record_owners_ledger(ctx: HandlerContext) -> None:
    """Ledger line of kind ``property kind`` with the variables named in ``property fields``."""
    names = [n.strip() for n in ctx.properties.get("fields", "").split(",") if n.strip()]
    record(ctx, ctx.properties["kind"], **{n: ctx.variables.get(n) for n in names})


@handler("assign_formation_number")
def assign_formation_number(ctx: HandlerContext) -> dict:
    """组建编号 YWH-2026-000001; it becomes the business key unless the starter gave one."""
    number = f"YWH-{next_number('owners_committee')}"
    return {"formation_no": number, "business_key": ctx.variables.get("business_key") or number,
            "meeting_rounds": 0}


@handler("compute_estate_figures")
def compute_estate_figures(ctx: HandlerContext) -> dict:
    """Shares the DMN rules test: owners who signed, area delivered, whole years since first delivery."""
    v = ctx.variables
    applicant_share = percent(v.get("applicant_owner_count") or 0, v["total_owner_count"]) \
        if v.get("initiated_by") == "owners" else 0.0
    figures = {
        "applicant_share": applicant_share,
        "delivered_area_share": percent(v["delivered_area"], v["total_building_area"]),
        "years_since_first_delivery": completed_years(date.fromisoformat(v["first_delivery_date"]),
                                                      beijing_today()),
    }
    record(ctx, "owners.registered", initiated_by=v.get("initiated_by"), estate_name=v.get("estate_name"),
           total_owner_count=v["total_owner_count"], total_building_area=v["total_building_area"], **figures)
    return figures


@handler("check_preparatory_group")
def check_preparatory_group(ctx: HandlerContext) -> dict:
    """双向进入: every person the community party organisation recommended must be in the group.

    The form already checked the odd size and the owners' half; they are checked
    again here because the variables may have been set by an API caller.
    """
    v = ctx.variables
    members = list(v.get("group_members") or [])
    recommended = list(v.get("recommended_members") or [])
    owners = int(v.get("owner_member_count") or 0)
    problems = []
    left_out = [name for name in recommended if name not in members]
    if left_out:
        problems.append("未纳入社区党组织推荐人选：" + "、".join(left_out))
    if len(members) % 2 == 0:
        problems.append(f"筹备组成员须为单数，现为{len(members)}人")
    if owners * 2 < len(members):
        problems.append("业主代表不足半数")
    rounds = int(v.get("group_rounds") or 0) + 1
    if not problems:
        record(ctx, "owners.group_formed", group_size=len(members), owner_member_count=owners,
               party_recommended=len(recommended), rounds=rounds)
    return {"group_valid": not problems, "group_problems": problems, "group_size": len(members),
            "group_rounds": rounds}


@handler("publish_preparatory_group")
def publish_preparatory_group(ctx: HandlerContext) -> dict:
    """Put the group's list on the public board for the publicity period."""
    v = ctx.variables
    now = clock.now()
    ends = add_duration(now, v["group_publicity_period"])
    members = "、".join(v["group_members"])
    publish_result(ctx.instance_id, unit_id(ctx.org_unit_code), f"{v['estate_name']}业主大会筹备组成员名单公示",
                   f"筹备组成员{len(v['group_members'])}人：{members}；组长：{v['group_leader']}。"
                   f"公示至{ends.astimezone(BEIJING):%Y年%m月%d日}，如有异议请向街道办事处反映。",
                   category="owners_committee", business_key=ctx.business_key)
    return {"group_published_at": now.isoformat(), "group_publicity_ends_at": ends.isoformat()}


@handler("schedule_owners_meeting")
def schedule_owners_meeting(ctx: HandlerContext) -> dict:
    """Publish the meeting materials; the meeting opens no earlier than the lead time after.

    A meeting date inside the lead time is postponed to the first day that
    respects it, so the owners always get the full publicity period.
    """
    v = ctx.variables
    now = clock.now()
    earliest = add_duration(now, v["materials_lead"])
    opens = datetime.combine(date.fromisoformat(v["meeting_date"]), MEETING_HOUR, BEIJING)
    postponed = opens < earliest
    if postponed:
        opens = datetime.combine(earliest.astimezone(BEIJING).date(), MEETING_HOUR, BEIJING)
        if opens < earliest:
            opens += timedelta(days=1)
    meeting_date = opens.date().isoformat()
    publish_result(ctx.instance_id, unit_id(ctx.org_unit_code), f"{v['estate_name']}首次业主大会会议公告",
                   f"会议定于{opens:%Y年%m月%d日}召开，表决管理规约、议事规则并选举业主委员会；"
                   f"候选人：{'、'.join(v.get('candidates') or [])}。会议材料即日起公示。",
                   category="owners_committee", photos=v.get("materials_files"), business_key=ctx.business_key)
    record(ctx, "owners.materials_published", meeting_date=meeting_date, meeting_form=v.get("meeting_form"),
           postponed=postponed, round=int(v.get("meeting_rounds") or 0) + 1)
    return {"meeting_opens_at": opens.isoformat(), "meeting_date": meeting_date, "meeting_postponed": postponed,
            "materials_published_at": now.isoformat(), "vote_matter_kind": v.get("vote_matter_kind") or "ordinary"}


@handler("tally_owners_vote")
def tally_owners_vote(ctx: HandlerContext) -> dict:
    """Participation (of all owners and all area) and the double majority (of those participating).

    Thresholds are the fractions ``owners_vote_thresholds`` set; the comparison is
    exact, so 200 of 300 owners meets two thirds. Figures beyond the confirmed
    roster make the entry invalid (re-entered), not the vote failed.
    """
    v = ctx.variables
    owners, area = int(v["confirmed_owner_count"]), float(v["confirmed_total_area"])
    took_part, took_part_area = int(v["participating_owner_count"]), float(v["participating_area"])
    approving, approving_area = int(v["approving_owner_count"]), float(v["approving_area"])
    problems = []
    if took_part > owners:
        problems.append(f"参与表决人数{took_part}超过业主总人数{owners}")
    if took_part_area > area:
        problems.append(f"参与表决面积{took_part_area}㎡超过专有部分总面积{area}㎡")
    if approving > took_part or approving_area > took_part_area:
        problems.append("同意票超过参与表决票")
    if problems:
        return {"tally_valid": False, "tally_problems": problems, "vote_passed": False}

    pn, pd = v["participation_numerator"], v["participation_denominator"]
    an, ad, strict = v["approval_numerator"], v["approval_denominator"], bool(v["approval_strict"])
    participation_ok = at_least(took_part, owners, pn, pd) and at_least(took_part_area, area, pn, pd)
    approval_ok = took_part > 0 and at_least(approving, took_part, an, ad, strict) \
        and at_least(approving_area, took_part_area, an, ad, strict)
    rounds = int(v.get("meeting_rounds") or 0) + 1
    figures = {
        "participation_owner_percent": percent(took_part, owners),
        "participation_area_percent": percent(took_part_area, area),
        "approval_owner_percent": percent(approving, took_part),
        "approval_area_percent": percent(approving_area, took_part_area),
        "participation_ok": participation_ok, "approval_ok": approval_ok,
        "vote_passed": participation_ok and approval_ok,
    }
    record(ctx, "owners.vote_tallied", round=rounds, participating_owner_count=took_part,
           participating_area=took_part_area, approving_owner_count=approving, approving_area=approving_area,
           **figures)
    return {"tally_valid": True, "tally_problems": [], "meeting_rounds": rounds, **figures}


@handler("record_owners_committee")
def record_owners_committee(ctx: HandlerContext) -> dict:
    """政治把关 holds: every elected member was a vetted candidate, and the seats match."""
    v = ctx.variables
    members = list(v.get("committee_members") or [])
    candidates = set(v.get("candidates") or []) - set(v.get("rejected_candidates") or [])
    problems = []
    unvetted = [name for name in members if name not in candidates]
    if unvetted:
        problems.append("未经党组织审查的人选：" + "、".join(unvetted))
    if v.get("committee_seats") and len(members) != int(v["committee_seats"]):
        problems.append(f"当选委员{len(members)}人，与委员名额{v['committee_seats']}人不符")
    if not problems:
        record(ctx, "owners.committee_elected", committee_size=len(members),
               party_member_count=v.get("party_member_count"),
               party_member_percent=percent(v.get("party_member_count") or 0, len(members)),
               chair_is_party_member=bool(v.get("chair_is_party_member")))
    return {"committee_valid": not problems, "committee_problems": problems, "committee_size": len(members),
            "chair_elected_at": clock.now().isoformat()}


@handler("complete_committee_formation")
def complete_committee_formation(ctx: HandlerContext) -> dict:
    """业委会成立公告 on the public board and the closing ledger line."""
    v = ctx.variables
    now = clock.now()
    officers = f"主任：{v['chair_name']}" + (f"，副主任：{v['vice_chair_name']}" if v.get("vice_chair_name") else "")
    publish_result(ctx.instance_id, unit_id(ctx.org_unit_code), f"{v['estate_name']}业主委员会成立公告",
                   f"经首次业主大会会议选举产生业主委员会委员{len(v['committee_members'])}人"
                   f"（{'、'.join(v['committee_members'])}），{officers}。"
                   f"已向街道办事处和房管部门备案，备案编号{v.get('housing_filing_no') or '—'}。",
                   category="owners_committee", business_key=ctx.business_key)
    record(ctx, "owners.filed", housing_filing_no=v.get("housing_filing_no"), meeting_rounds=v.get("meeting_rounds"),
           committee_size=len(v["committee_members"]))
    return {"formation_completed_at": now.isoformat()}
