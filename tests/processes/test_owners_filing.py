"""业委会组建: electing the chair and filing — the unvetted member, late filing, refiling."""
from datetime import timedelta

from tests.processes.test_owners_branch_dual_support import (
    complete,
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
    COMMITTEE,
    begin,
    elect,
    meeting_round,
    owners_deployed,
    review_filing,
    submit_filing,
    through_group,
)


def voted(app, at):
    """An instance whose owners' meeting has passed; returns (id, when the vote was entered)."""
    iid = begin(at)
    published = through_group(iid, at)
    began = published + days(7) + timedelta(minutes=1)
    worker(app, began)
    return iid, meeting_round(app, iid, began)


def test_member_not_vetted_sends_the_election_back(owners_deployed, app):
    iid, at = voted(app, t0())
    elect(iid, at + days(2), members=COMMITTEE[:4] + ["吴刚"])
    v = variables(iid)
    assert (v["committee_valid"], v["committee_problems"]) == (False, ["未经党组织审查的人选：吴刚"])
    assert ledger(iid, "owners.committee_elected") == []
    assert elements("cstaff", iid) == ["elect_chair"]
    elect(iid, at + days(3))
    assert variables(iid)["committee_valid"] is True
    assert elements("cstaff", iid) == ["submit_filing"]


def test_late_filing_escalates_and_a_refused_filing_is_submitted_again(owners_deployed, app):
    iid, at = voted(app, t0())
    elected = at + days(2)
    elect(iid, elected)
    filing = task("cstaff", "submit_filing", iid)
    assert filing.due_at == naive(elected + days(30))
    assert instance(iid).next_timer_at == naive(elected + days(30))
    worker(app, elected + days(29))
    assert elements("street", iid) == []
    worker(app, elected + days(30) + timedelta(minutes=1))
    supervise = task("street", "supervise_filing", iid)
    assert (supervise.candidate_groups, scope_of(supervise), due_after(supervise)) == (
        ["street_officer"], "street_heping", timedelta(days=5))
    assert ledger(iid, "owners.filing_overdue")[0].data == {"filing_limit": "P30D", "chair_name": COMMITTEE[0]}
    assert elements("cstaff", iid) == ["submit_filing"]          # the filing itself stays with the community
    complete("street", "supervise_filing", iid, elected + days(31), supervision_method="notice",
             supervision_note="书面督办，三日内提交备案材料")

    submit_filing(iid, elected + days(32))
    review_filing(iid, elected + days(35), street_ok=True, housing_ok=False)
    [returned] = ledger(iid, "owners.filing_returned")
    assert (returned.data["street_filing_accepted"], returned.data["housing_filing_accepted"]) == (True, False)
    assert "housing_filing_accepted" not in variables(iid)      # a new round starts without old conclusions
    refile = task("cstaff", "submit_filing", iid)
    assert refile.due_at == naive(elected + days(35) + days(30))
    assert instance(iid).status == "active" and public_result(iid).title.endswith("首次业主大会会议公告")

    submit_filing(iid, elected + days(36))
    review_filing(iid, elected + days(38), street_ok=False, housing_ok=True)
    assert elements("cstaff", iid) == ["submit_filing"]
    assert [(e.data["street_filing_accepted"], e.data["housing_filing_accepted"])
            for e in ledger(iid, "owners.filing_returned")] == [(True, False), (False, True)]
    submit_filing(iid, elected + days(39))
    review_filing(iid, elected + days(40))
    assert instance(iid).status == "completed"
    assert public_result(iid).title == "阳光花园业主委员会成立公告"
    assert ledger_kinds(iid)[-5:] == ["owners.committee_elected", "owners.filing_overdue", "owners.filing_returned",
                                      "owners.filing_returned", "owners.filed"]


def test_filing_reviews_go_to_the_street_and_the_housing_office_only(owners_deployed, app):
    iid, at = voted(app, t0())
    elect(iid, at + days(1))
    submit_filing(iid, at + days(2))
    street = task("street", "street_filing_review", iid)
    housing = task("housing", "housing_filing_review", iid)
    assert (scope_of(street), due_after(street)) == ("street_heping", timedelta(days=10))
    assert (scope_of(housing), due_after(housing)) == ("dept_housing", timedelta(days=10))
    for outsider in ("urban", "cstaff", "secretary", "orgdept"):
        assert elements(outsider, iid) == []
