"""业委会组建: the path where everything passes first time, checked step by step."""
from datetime import timedelta

from tests.processes.test_owners_branch_dual_support import (
    days,
    due_after,
    elements,
    instance,
    ledger,
    ledger_kinds,
    naive,
    public_result,
    scope_of,
    t0,
    task,
    variables,
    worker,
)
from tests.processes.test_owners_steps import (  # noqa: F401
    begin,
    community_check,
    confirm_roster,
    draft_statute,
    elect,
    form_group,
    nominate,
    owners_deployed,
    recommend,
    register,
    review_filing,
    schedule,
    street_accept,
    submit_filing,
    vet,
    vote,
)


def test_owners_application_to_filed_committee(owners_deployed, app):
    at = t0()
    iid = begin(at)
    v = variables(iid)
    assert v["formation_no"].startswith("YWH-") and instance(iid).business_key == v["formation_no"]
    row = task("cstaff", "register_initiation", iid)
    assert (row.candidate_groups, scope_of(row), due_after(row)) == (["community_staff"], "comm_yangguang",
                                                                      timedelta(days=5))
    assert elements("secretary2") == [] and elements("street") == []

    register(iid, at)
    v = variables(iid)
    assert (v["applicant_share"], v["delivered_area_share"], v["years_since_first_delivery"]) == (25.0, 80.0, 2)
    assert (v["initiation_accepted"], v["applicant_share_min"], v["conditions_met"]) == (True, 20, True)
    assert v["condition_basis"] == "交付使用面积达到50%"
    assert (v["group_publicity_period"], v["preparation_limit"], v["materials_lead"]) == ("P7D", "P90D", "P15D")
    assert (v["chair_election_limit"], v["filing_limit"], v["housing_office_unit"]) == ("P7D", "P30D", "dept_housing")
    [registered] = ledger(iid, "owners.registered")
    assert registered.data["applicant_share"] == 25.0 and registered.data["initiated_by"] == "owners"

    check = task("secretary", "community_check", iid)
    assert (scope_of(check), due_after(check)) == ("comm_yangguang", timedelta(days=10))
    community_check(iid, at + days(1))
    accept = task("street", "street_accept", iid)
    assert (accept.candidate_groups, scope_of(accept), due_after(accept)) == (["street_officer"], "street_heping",
                                                                               timedelta(days=15))
    assert elements("cstaff", iid) == []
    street_accept(iid, at + days(2))
    recommend(iid, at + days(3))
    form_group(iid, at + days(4))
    v = variables(iid)
    assert (v["group_valid"], v["group_size"], v["group_rounds"]) == (True, 7, 1)
    assert ledger(iid, "owners.group_formed")[0].data == {"group_size": 7, "owner_member_count": 4,
                                                          "party_recommended": 2, "rounds": 1}
    board = public_result(iid)
    assert board.title == "阳光花园业主大会筹备组成员名单公示" and "张建国" in board.summary
    published = at + days(4)
    assert instance(iid).next_timer_at == naive(published + days(7))

    worker(app, published + days(6))
    assert elements("cstaff", iid) == []
    prep_started = published + days(7) + timedelta(minutes=1)
    worker(app, prep_started)
    assert elements("cstaff", iid) == ["confirm_roster", "draft_statute", "nominate_candidates"]
    assert instance(iid).next_timer_at == naive(prep_started + days(90))

    confirm_roster(iid, prep_started + days(1))
    draft_statute(iid, prep_started + days(2))
    nominate(iid, prep_started + days(3))
    assert elements("cstaff", iid) == []
    vetting = task("secretary", "vet_candidates", iid)
    assert (vetting.candidate_groups, due_after(vetting)) == (["community_secretary"], timedelta(days=10))
    vet(iid, prep_started + days(4))
    opens = schedule(iid, prep_started + days(5), in_days=20)
    assert opens - (prep_started + days(5)) > days(19)
    assert ledger(iid, "owners.materials_published")[0].data["postponed"] is False
    assert public_result(iid).title == "阳光花园首次业主大会会议公告"
    worker(app, opens - timedelta(hours=1))
    assert elements("cstaff", iid) == []
    worker(app, opens + timedelta(minutes=1))
    assert elements("cstaff", iid) == ["enter_vote"]

    vote(iid, opens + days(0.5))   # 210/300 owners, 21000/30000 m² took part; 150 and 15000 approved
    v = variables(iid)
    assert (v["participation_owner_percent"], v["participation_area_percent"]) == (70.0, 70.0)
    assert (v["approval_owner_percent"], v["approval_area_percent"]) == (71.43, 71.43)
    assert (v["participation_ok"], v["approval_ok"], v["vote_passed"], v["meeting_rounds"]) == (True, True, True, 1)
    assert ledger(iid, "owners.vote_tallied")[0].data["vote_passed"] is True
    chair = task("cstaff", "elect_chair", iid)
    assert due_after(chair) == timedelta(days=7)
    assert instance(iid).next_timer_at is None   # the 90-day escalation left with the preparation

    elected = opens + days(3)
    elect(iid, elected)
    assert variables(iid)["committee_valid"] is True
    assert ledger(iid, "owners.committee_elected")[0].data["party_member_percent"] == 60.0
    filing = task("cstaff", "submit_filing", iid)
    assert due_after(filing) == timedelta(days=30)
    submit_filing(iid, elected + days(10))
    housing = task("housing", "housing_filing_review", iid)
    assert (housing.candidate_groups, scope_of(housing)) == (["housing_office"], "dept_housing")
    assert elements("street", iid) == ["street_filing_review"]
    review_filing(iid, elected + days(15))

    done = instance(iid)
    assert done.status == "completed"
    assert public_result(iid).title == "阳光花园业主委员会成立公告"
    assert "HP-YWH-2026-018" in public_result(iid).summary
    assert ledger_kinds(iid) == ["owners.registered", "owners.group_formed", "owners.materials_published",
                                 "owners.vote_tallied", "owners.committee_elected", "owners.filed"]
    assert all(e.business_key == done.business_key for e in ledger(iid))
