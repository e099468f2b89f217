"""业委会组建: each handler on its own, with the variables the diagram gives it."""
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from govflow.tasks.owners import at_least, completed_years
from tests.processes.test_owners_branch_dual_support import handler_runner, ledger, public_result
from tests.processes.test_owners_steps import owners_deployed  # noqa: F401

THRESHOLDS = {"participation_numerator": 2, "participation_denominator": 3, "approval_numerator": 1,
              "approval_denominator": 2, "approval_strict": True}
ROSTER = {"confirmed_owner_count": 300, "confirmed_total_area": 30000.0}


@pytest.fixture
def run(owners_deployed):
    """run(name, at=None, properties=None, **variables) → what the handler returned."""
    return handler_runner("owners_committee_formation", "comm_yangguang", "YWH-TEST")


def votes(took_part, took_part_area, approving, approving_area, **extra):
    return {**ROSTER, **THRESHOLDS, "participating_owner_count": took_part, "participating_area": took_part_area,
            "approving_owner_count": approving, "approving_area": approving_area, **extra}


def test_exact_two_thirds_participation_meets_the_threshold(run):
    result = run("tally_owners_vote", **votes(200, 20000.0, 101, 10001.0))
    assert (result["participation_ok"], result["approval_ok"], result["vote_passed"]) == (True, True, True)
    assert result["participation_owner_percent"] == 66.67 and result["meeting_rounds"] == 1
    [entry] = ledger(run.instance_id, "owners.vote_tallied")
    assert entry.data["participating_owner_count"] == 200 and entry.business_key == "YWH-TEST"


def test_one_owner_short_of_two_thirds_fails_participation(run):
    result = run("tally_owners_vote", **votes(199, 25000.0, 150, 20000.0))
    assert (result["participation_ok"], result["vote_passed"]) == (False, False)


def test_area_and_owners_must_both_pass_the_double_majority(run):
    result = run("tally_owners_vote", **votes(240, 24000.0, 130, 12000.0))     # area exactly half
    assert (result["approval_ok"], result["approval_area_percent"]) == (False, 50.0)
    result = run("tally_owners_vote", **votes(240, 24000.0, 120, 12000.1), meeting_rounds=1)
    assert (result["approval_ok"], result["meeting_rounds"]) == (False, 2)


def test_major_matters_need_three_quarters_reached_not_exceeded(run):
    major = {"approval_numerator": 3, "approval_denominator": 4, "approval_strict": False}
    assert run("tally_owners_vote", **votes(240, 24000.0, 180, 18000.0, **major))["vote_passed"] is True
    assert run("tally_owners_vote", **votes(240, 24000.0, 179, 18000.0, **major))["vote_passed"] is False


def test_figures_beyond_the_roster_are_invalid_not_failed(run):
    result = run("tally_owners_vote", **votes(200, 30000.5, 100, 100.0))
    assert result == {"tally_valid": False, "tally_problems": ["参与表决面积30000.5㎡超过专有部分总面积30000.0㎡"],
                      "vote_passed": False}
    assert ledger(run.instance_id, "owners.vote_tallied") == []


def test_nobody_voting_fails_without_dividing_by_zero(run):
    result = run("tally_owners_vote", **votes(0, 0.0, 0, 0.0))
    assert (result["participation_ok"], result["approval_ok"], result["approval_owner_percent"]) == (False, False, 0.0)


def test_fractions_are_compared_exactly():
    assert at_least(2, 3, 2, 3) and not at_least(0.6666, 1, 2, 3)
    assert not at_least(1, 2, 1, 2, strict=True) and at_least(1, 2, 1, 2)


def test_completed_years_count_anniversaries():
    assert completed_years(date(2023, 6, 30), date(2025, 6, 29)) == 1
    assert completed_years(date(2023, 6, 30), date(2025, 6, 30)) == 2
    assert completed_years(date(2030, 1, 1), date(2025, 1, 1)) == 0


def test_estate_figures_and_their_ledger_line(run):
    at = datetime(2026, 3, 1, 2, tzinfo=UTC)
    result = run("compute_estate_figures", at=at, initiated_by="owners", total_owner_count=480,
                 applicant_owner_count=100, total_building_area=52000.0, delivered_area=26000.0,
                 first_delivery_date="2024-03-01", estate_name="幸福里")
    assert result == {"applicant_share": 20.83, "delivered_area_share": 50.0, "years_since_first_delivery": 2}
    [entry] = ledger(run.instance_id, "owners.registered")
    assert entry.data["estate_name"] == "幸福里" and entry.data["delivered_area_share"] == 50.0
    community = run("compute_estate_figures", at=at, initiated_by="community", total_owner_count=480,
                    applicant_owner_count=300, total_building_area=52000.0, delivered_area=0.0,
                    first_delivery_date="2026-01-01")
    assert (community["applicant_share"], community["years_since_first_delivery"]) == (0.0, 0)


def test_formation_number_keeps_a_given_business_key(run):
    numbered = run("assign_formation_number")
    assert numbered["formation_no"] == numbered["business_key"] and numbered["formation_no"].startswith("YWH-")
    assert numbered["meeting_rounds"] == 0
    assert run("assign_formation_number", business_key="HOTLINE-1")["business_key"] == "HOTLINE-1"


def test_group_check_names_the_recommended_people_left_out(run):
    result = run("check_preparatory_group", group_members=["甲", "乙", "丙", "丁", "戊"], owner_member_count=2,
                 recommended_members=["甲", "己"])
    assert result == {"group_valid": False, "group_size": 5, "group_rounds": 1,
                      "group_problems": ["未纳入社区党组织推荐人选：己", "业主代表不足半数"]}
    assert ledger(run.instance_id, "owners.group_formed") == []


def test_group_publication_runs_for_the_publicity_period(run):
    at = datetime(2026, 5, 1, 1, tzinfo=UTC)
    result = run("publish_preparatory_group", at=at, estate_name="阳光花园", group_members=["甲", "乙", "丙"],
                 group_leader="甲", group_publicity_period="P7D")
    assert result["group_publicity_ends_at"] == (at + timedelta(days=7)).isoformat()
    assert "公示至2026年05月08日" in public_result(run.instance_id).summary


def test_meeting_date_is_kept_or_postponed_to_the_lead_time(run):
    at = datetime(2026, 5, 1, 2, tzinfo=UTC)          # 10:00 in Beijing
    kept = run("schedule_owners_meeting", at=at, estate_name="阳光花园", meeting_date="2026-05-20",
               materials_lead="P15D", candidates=["甲"])
    assert (kept["meeting_opens_at"], kept["meeting_postponed"]) == ("2026-05-20T09:00:00+08:00", False)
    early = run("schedule_owners_meeting", at=at, estate_name="阳光花园", meeting_date="2026-05-05",
                materials_lead="P15D", candidates=["甲"])
    # 15 days from 10:00 on 1 May: 09:00 on 16 May would be short by an hour, so the 17th
    assert (early["meeting_opens_at"], early["meeting_date"], early["meeting_postponed"]) == (
        "2026-05-17T09:00:00+08:00", "2026-05-17", True)
    assert [e.data["postponed"] for e in ledger(run.instance_id, "owners.materials_published")] == [False, True]


def test_committee_must_come_from_vetted_candidates_and_fill_the_seats(run):
    base = {"candidates": ["甲", "乙", "丙", "丁", "戊", "己"], "rejected_candidates": ["己"], "committee_seats": 5,
            "party_member_count": 3, "chair_is_party_member": True}
    bad = run("record_owners_committee", committee_members=["甲", "乙", "丙", "己", "庚"], **base)
    assert bad["committee_problems"] == ["未经党组织审查的人选：己、庚"]
    short = run("record_owners_committee", committee_members=["甲", "乙", "丙"], **base)
    assert short["committee_problems"] == ["当选委员3人，与委员名额5人不符"]
    good = run("record_owners_committee", committee_members=["甲", "乙", "丙", "丁", "戊"], **base)
    assert (good["committee_valid"], good["committee_size"]) == (True, 5)
    [entry] = ledger(run.instance_id, "owners.committee_elected")
    assert entry.data == {"committee_size": 5, "party_member_count": 3, "party_member_percent": 60.0,
                          "chair_is_party_member": True}


def test_formation_completion_announces_the_committee(run):
    run("complete_committee_formation", estate_name="阳光花园", chair_name="甲", vice_chair_name=None,
        committee_members=["甲", "乙", "丙", "丁", "戊"], housing_filing_no="HP-1", meeting_rounds=2)
    board = public_result(run.instance_id)
    assert board.title == "阳光花园业主委员会成立公告" and "主任：甲。" in board.summary and "HP-1" in board.summary
    assert ledger(run.instance_id, "owners.filed")[0].data == {"housing_filing_no": "HP-1", "meeting_rounds": 2,
                                                                "committee_size": 5}


def test_ledger_handler_records_the_named_variables(run):
    run("record_owners_ledger", properties={"kind": "owners.test", "fields": "a, b ,missing"}, a=1, b="x", c=3)
    assert ledger(run.instance_id, "owners.test")[0].data == {"a": 1, "b": "x", "missing": None}
