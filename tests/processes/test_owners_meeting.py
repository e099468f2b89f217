"""业委会组建: the preparation — vetting loop, meeting notice, the vote and its failure, the 90 days."""
from datetime import timedelta

from tests.processes.test_owners_branch_dual_support import (
    days,
    due_after,
    elements,
    instance,
    ledger,
    naive,
    public_result,
    scope_of,
    t0,
    task,
    variables,
    worker,
)
from tests.processes.test_owners_steps import (  # noqa: F401
    CANDIDATES,
    begin,
    confirm_roster,
    draft_statute,
    meeting_round,
    nominate,
    owners_deployed,
    schedule,
    through_group,
    vet,
    vote,
)


def preparing(app, at):
    """An instance whose preparation has just begun; returns (id, when it began)."""
    iid = begin(at)
    published = through_group(iid, at)
    began = published + days(7) + timedelta(minutes=1)
    worker(app, began)
    return iid, began


def test_vetting_sends_candidates_back_until_they_pass(owners_deployed, app):
    iid, began = preparing(app, t0())
    confirm_roster(iid, began + days(1))
    draft_statute(iid, began + days(1))
    nominate(iid, began + days(2), candidates=CANDIDATES[:5] + ["钱某某"])
    vet(iid, began + days(3), passed=False, rejected=["钱某某"])
    assert elements("cstaff", iid) == ["nominate_candidates"]    # the other branches wait at the join
    assert elements("secretary", iid) == []
    nominate(iid, began + days(4))
    vet(iid, began + days(5), rejected=["高远"])                  # passed, but one name is struck out
    assert elements("cstaff", iid) == ["schedule_meeting"]


def test_meeting_inside_the_lead_time_is_postponed(owners_deployed, app):
    iid, began = preparing(app, t0())
    confirm_roster(iid, began)
    draft_statute(iid, began)
    nominate(iid, began)
    vet(iid, began + days(1))
    scheduled = began + days(2)
    opens = schedule(iid, scheduled, in_days=5)                  # materials need 15 days
    [published] = ledger(iid, "owners.materials_published")
    assert published.data["postponed"] is True
    assert timedelta(days=15) <= opens - scheduled < timedelta(days=16)
    assert public_result(iid).title == "阳光花园首次业主大会会议公告"
    worker(app, scheduled + days(6))
    assert elements("cstaff", iid) == []
    worker(app, opens + timedelta(minutes=5))
    assert elements("cstaff", iid) == ["enter_vote"]


def test_entry_beyond_the_roster_is_entered_again(owners_deployed, app):
    iid, began = preparing(app, t0())
    voted = meeting_round(app, iid, began, took_part=(310, 21000.0), approving=(150, 15000.0))
    v = variables(iid)
    assert (v["tally_valid"], v["tally_problems"]) == (False, ["参与表决人数310超过业主总人数300"])
    assert ledger(iid, "owners.vote_tallied") == []
    assert elements("cstaff", iid) == ["enter_vote"]
    vote(iid, voted + days(0.1))
    assert variables(iid)["vote_passed"] is True
    assert elements("cstaff", iid) == ["elect_chair"]


def test_failed_vote_returns_to_preparation_and_the_second_meeting_passes(owners_deployed, app):
    iid, began = preparing(app, t0())
    voted = meeting_round(app, iid, began, took_part=(190, 21000.0), approving=(150, 15000.0))
    v = variables(iid)
    assert (v["participation_owner_percent"], v["participation_ok"], v["vote_passed"]) == (63.33, False, False)
    assert elements("cstaff", iid) == ["confirm_roster", "draft_statute", "nominate_candidates"]
    assert instance(iid).next_timer_at == naive(voted + days(90))   # a fresh 90 days

    # the roster was corrected to 320 owners: the tally must use the new figures, not round one's
    voted_again = meeting_round(app, iid, voted + days(1), roster=(320, 32000.0), took_part=(240, 24000.0),
                                approving=(120, 12600.0))
    v = variables(iid)
    assert (v["participation_owner_percent"], v["participation_area_percent"]) == (75.0, 75.0)
    # 120 of 240 owners is exactly half, not more than half: 双过半 fails on the owners' count
    assert (v["approval_owner_percent"], v["approval_ok"], v["vote_passed"]) == (50.0, False, False)
    meeting_round(app, iid, voted_again + days(1), took_part=(250, 25000.0), approving=(126, 12600.0))
    v = variables(iid)
    assert (v["vote_passed"], v["meeting_rounds"]) == (True, 3)
    tallies = ledger(iid, "owners.vote_tallied")
    assert [(e.data["round"], e.data["vote_passed"]) for e in tallies] == [(1, False), (2, False), (3, True)]
    assert len(ledger(iid, "owners.materials_published")) == 3
    assert elements("cstaff", iid) == ["elect_chair"]


def test_preparation_past_ninety_days_escalates_to_the_street(owners_deployed, app):
    iid, began = preparing(app, t0())
    confirm_roster(iid, began + days(10))
    worker(app, began + days(89))
    assert elements("street", iid) == []
    worker(app, began + days(90) + timedelta(minutes=1))
    supervise = task("street", "supervise_preparation", iid)
    assert (supervise.candidate_groups, scope_of(supervise), due_after(supervise)) == (
        ["street_officer"], "street_heping", timedelta(days=5))
    assert elements("secretary2") == [] and elements("cstaff", iid) == ["draft_statute", "nominate_candidates"]
    [overdue] = ledger(iid, "owners.preparation_overdue")
    assert overdue.data == {"preparation_limit": "P90D", "meeting_rounds": 0}
    from tests.processes.test_owners_branch_dual_support import complete
    complete("street", "supervise_preparation", iid, began + days(91), supervision_method="interview",
             supervision_note="约谈筹备组组长，限期完成筹备", new_deadline=(began + days(120)).date().isoformat())
    assert elements("street", iid) == []
    draft_statute(iid, began + days(92))
    nominate(iid, began + days(92))
    vet(iid, began + days(93))
    assert elements("cstaff", iid) == ["schedule_meeting"]
    assert instance(iid).next_timer_at is None                  # the escalation fires once
    worker(app, began + days(200))
    assert elements("street", iid) == []
