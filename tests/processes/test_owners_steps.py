"""Steps of homeowners' committee formation, as the demo users take them.

Each step completes one task with a valid form (overridable) at a given instant
and returns that instant, so a test reads as a timeline.
"""
from __future__ import annotations

from datetime import date, datetime, time

import pytest

from tests.processes.test_owners_branch_dual_support import (
    BEIJING,
    PHONE,
    PHOTO,
    complete,
    day,
    days,
    deploy_processes,
    ledger,
    start,
    worker,
)

OWNERS_FILES = ("owners_committee_formation.bpmn", "owners_initiation_check.dmn",
                "owners_formation_conditions.dmn", "owners_formation_terms.dmn", "owners_vote_thresholds.dmn")
RECOMMENDED = ["张建国", "李秀英"]
GROUP = ["张建国", "李秀英", "王志强", "赵敏", "刘洋", "陈静", "周涛"]
CANDIDATES = ["王志强", "赵敏", "孙丽", "钱进", "何平", "许诺", "高远"]
COMMITTEE = ["王志强", "赵敏", "孙丽", "钱进", "何平"]


@pytest.fixture
def owners_deployed(org):
    return deploy_processes(*OWNERS_FILES)


def begin(at: datetime, unit: str = "comm_yangguang") -> int:
    return start("owners_committee_formation", unit, at)


def register(instance_id: int, at: datetime, **values) -> None:
    form = {"initiated_by": "owners", "estate_name": "阳光花园", "estate_address": "和平街道阳光路8号",
            "total_owner_count": 300, "total_building_area": 30000.0, "delivered_area": 24000.0,
            "first_delivery_date": day(at, -3 * 365), "applicant_owner_count": 75,
            "representative_name": "王志强", "representative_phone": PHONE,
            "reason": "小区交付已满三年，业主希望成立业主大会、选举业委会", "evidence_files": PHOTO}
    complete("cstaff", "register_initiation", instance_id, at, **{**form, **values})


def community_check(instance_id: int, at: datetime, confirmed: bool = True) -> None:
    complete("secretary", "community_check", instance_id, at, conditions_confirmed=confirmed,
             check_opinion="经核查，交付面积和年限符合条件" if confirmed else "现场核查情况与申报不符")


def street_accept(instance_id: int, at: datetime, accepted: bool = True) -> None:
    complete("street", "street_accept", instance_id, at, street_accepted=accepted,
             accept_opinion="同意受理，组建筹备组" if accepted else "小区正进行物业交接，暂不受理")


def recommend(instance_id: int, at: datetime, members=RECOMMENDED) -> None:
    complete("secretary", "party_recommend", instance_id, at, recommended_members=list(members),
             recommended_party_members=len(members), recommendation_note="推荐党员业主进入筹备组")


def form_group(instance_id: int, at: datetime, members=GROUP, owners: int = 4) -> None:
    complete("street", "form_group", instance_id, at, group_members=list(members), owner_member_count=owners,
             group_leader=members[0], street_representative="周涛", community_representative="陈静")


def through_group(instance_id: int, at: datetime) -> datetime:
    """Registration to the group's publication; returns when the group was published."""
    register(instance_id, at)
    community_check(instance_id, at + days(1))
    street_accept(instance_id, at + days(2))
    recommend(instance_id, at + days(3))
    form_group(instance_id, at + days(4))
    return at + days(4)


def confirm_roster(instance_id: int, at: datetime, owners: int = 300, area: float = 30000.0) -> None:
    complete("cstaff", "confirm_roster", instance_id, at, confirmed_owner_count=owners,
             confirmed_total_area=area, roster_files=PHOTO)


def draft_statute(instance_id: int, at: datetime) -> None:
    complete("cstaff", "draft_statute", instance_id, at, statute_files=["statute.pdf"],
             procedure_rules_files=["rules.pdf"], opinions_collected=42)


def nominate(instance_id: int, at: datetime, candidates=CANDIDATES) -> None:
    complete("cstaff", "nominate_candidates", instance_id, at, committee_seats=5, candidates=list(candidates),
             party_member_candidates=3)


def vet(instance_id: int, at: datetime, passed: bool = True, rejected=()) -> None:
    complete("secretary", "vet_candidates", instance_id, at, vetting_passed=passed,
             rejected_candidates=list(rejected), vetting_opinion="候选人政治素质好" if passed else "有候选人不宜提名")


def prepare(instance_id: int, at: datetime, roster=(300, 30000.0)) -> datetime:
    """The three parallel preparations; returns when the last one was done."""
    confirm_roster(instance_id, at, *roster)
    draft_statute(instance_id, at + days(1))
    nominate(instance_id, at + days(2))
    vet(instance_id, at + days(3))
    return at + days(3)


def schedule(instance_id: int, at: datetime, in_days: int = 20) -> datetime:
    """Schedules the meeting ``in_days`` after ``at``; returns when it opens (09:00 Beijing)."""
    meeting = day(at, in_days)
    complete("cstaff", "schedule_meeting", instance_id, at, meeting_date=meeting, meeting_form="assembly",
             meeting_venue="小区活动中心", materials_files=["materials.pdf"])
    published = ledger(instance_id, "owners.materials_published")[-1]
    return datetime.combine(date.fromisoformat(published.data["meeting_date"]), time(9), BEIJING)


def vote(instance_id: int, at: datetime, took_part=(210, 21000.0), approving=(150, 15000.0)) -> None:
    complete("cstaff", "enter_vote", instance_id, at, participating_owner_count=took_part[0],
             participating_area=took_part[1], approving_owner_count=approving[0], approving_area=approving[1],
             ballot_files=["ballots.pdf"], scrutineers=["刘洋", "陈静"])


def meeting_round(app, instance_id: int, at: datetime, roster=(300, 30000.0), **vote_figures) -> datetime:
    """Preparation through the vote; returns the instant the vote was entered."""
    ready = prepare(instance_id, at, roster)
    opens = schedule(instance_id, ready + days(1))
    worker(app, opens + days(0.05))
    vote(instance_id, opens + days(0.1), **vote_figures)
    return opens + days(0.1)


def elect(instance_id: int, at: datetime, members=COMMITTEE) -> None:
    complete("cstaff", "elect_chair", instance_id, at, committee_members=list(members), chair_name=members[0],
             vice_chair_name=members[1], party_member_count=3, chair_is_party_member=True,
             first_meeting_date=day(at), minutes_files=["minutes.pdf"])


def submit_filing(instance_id: int, at: datetime) -> None:
    complete("cstaff", "submit_filing", instance_id, at, filing_files=["filing.pdf"], filing_date=day(at))


def review_filing(instance_id: int, at: datetime, street_ok: bool = True, housing_ok: bool = True) -> None:
    complete("street", "street_filing_review", instance_id, at, street_filing_accepted=street_ok,
             street_filing_opinion="材料齐全" if street_ok else "缺少议事规则签字页")
    complete("housing", "housing_filing_review", instance_id, at, housing_filing_accepted=housing_ok,
             housing_filing_no="HP-YWH-2026-018" if housing_ok else None,
             housing_filing_opinion="予以备案" if housing_ok else "委员名单缺少身份证明")
