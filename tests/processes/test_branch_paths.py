"""软弱涣散基层党组织整顿: the other exits, the plan loop, extensions, the report cycle, a relapse."""
from datetime import timedelta

from govflow.engine.durations import add_duration
from tests.processes.test_branch_steps import (  # noqa: F401
    SOUND,
    begin,
    branch_deployed,
    cross_check,
    decide,
    district_accept,
    draft,
    finish,
    monthly,
    report,
    review,
    screen,
    street_accept,
    to_rectification,
)
from tests.processes.test_owners_branch_dual_support import (
    complete,
    days,
    elements,
    instance,
    ledger,
    ledger_kinds,
    naive,
    t0,
    task,
    variables,
    worker,
)


def test_sound_branch_without_issues_is_cleared(branch_deployed):
    at = t0()
    iid = begin(at)
    screen(iid, at + days(1), **SOUND)
    assert "weak_reasons" not in variables(iid)          # no criterion matched
    cross_check(iid, at + days(2))
    v = variables(iid)
    assert (v["weak_reasons"], v["cross_check_issue_offices"], v["recommend_listing"]) == ([], [], False)
    assert instance(iid).status == "completed" and elements("orgdept") == []
    assert ledger_kinds(iid)[-2:] == ["branch.screened", "branch.cleared"]
    assert ledger(iid, "branch.cleared")[0].data == {"branch_name": "幸福社区党委", "satisfaction_rate": 92.5}


def test_office_findings_alone_bring_it_to_the_district_which_may_not_list_it(branch_deployed):
    at = t0()
    iid = begin(at)
    screen(iid, at + days(1), **{**SOUND, "mass_incidents": 0})
    cross_check(iid, at + days(2), issues={"discipline_check": 1})
    assert variables(iid)["cross_check_issue_offices"] == ["纪检监察"]
    decide(iid, at + days(4), listed=False)
    assert instance(iid).status == "completed"
    assert ledger(iid, "branch.not_listed")[0].data == {"branch_name": "幸福社区党委", "weak_reasons": [],
                                                        "decision_opinion": "问题已及时整改，不予认定"}


def test_each_criterion_of_the_checklist(branch_deployed):
    at = t0()
    expected = {"secretary_vacant_months": (4, "secretary_vacant"), "org_life_held": (False, "no_org_life"),
                "months_since_new_member": (24, "no_new_members"), "mass_incidents": (1, "mass_incident"),
                "ranked_last": (True, "ranked_last"), "satisfaction_rate": (59.9, "low_satisfaction")}
    for name, (value, reason) in expected.items():
        iid = begin(at)
        screen(iid, at, **{**SOUND, name: value})
        assert variables(iid)["weak_reasons"] == [reason], name
    iid = begin(at)
    screen(iid, at, **{**SOUND, "secretary_vacant_months": 3, "months_since_new_member": 23,
                       "satisfaction_rate": 60.0})           # the edges are not weak
    assert "weak_reasons" not in variables(iid)


def test_returned_plan_is_drafted_again(branch_deployed, app):
    at = t0()
    iid = begin(at)
    screen(iid, at + days(1))
    cross_check(iid, at + days(2))
    decide(iid, at + days(3))
    from tests.processes.test_branch_steps import assign_support
    assign_support(iid, at + days(4))
    draft(iid, at + days(5))
    review(iid, at + days(6), approved=False)
    again = task("secretary2", "draft_plan", iid)
    assert again.due_at == naive(at + days(6) + days(15))
    draft(iid, at + days(7))
    review(iid, at + days(8))
    assert [e.data["round"] for e in ledger(iid, "branch.plan_submitted")] == [1, 2]
    assert variables(iid)["plan_rounds"] == 2 and elements("secretary2", iid) == ["carry_out"]


def test_monthly_reports_stop_after_the_cycle_count(branch_deployed, app):
    at = t0()
    iid = begin(at)
    began = to_rectification(iid, at)
    for month in range(1, 8):
        monthly(app, iid, began, month)
    assert [t.element_id for t in instance_tasks(iid)].count("monthly_report") == 6   # R6/P1M
    assert instance(iid).next_timer_at is None


def instance_tasks(iid):
    from tests.processes.test_owners_branch_dual_support import open_tasks
    return open_tasks("secretary2", iid)


def test_failed_acceptances_extend_the_rectification_and_a_relapse_is_recorded(branch_deployed, app):
    at = t0()
    iid = begin(at)
    began = to_rectification(iid, at)
    first = monthly(app, iid, began, 1)
    report(iid, first, done=0, total=8)                # 0 % done, about 17 % expected: lagging, red
    assert ledger(iid, "branch.progress_reported")[0].data["light"] == "red"
    complete("partycommittee", "onsite_check", iid, first + days(1), onsite_findings="进度滞后",
             rectify_instructions="加快推进", onsite_photos=["a.jpg"], supervision_method="interview")
    finish(iid, began + days(40))
    street_accept(iid, began + days(45), passed=False, score=52.0)
    extended = began + days(45)
    v = variables(iid)
    assert (v["extension_count"], v["rectification_round"], v["rectification_period"]) == (1, 2, "P3M")
    assert task("secretary2", "carry_out", iid).due_at == naive(add_duration(extended, "P3M"))
    assert ledger(iid, "branch.extended")[0].data == {"round": 1, "failed_at": "street",
                                                      "opinion": "群众满意度仍未达标", "extension": 1}
    assert ledger(iid, "branch.rectification_started")[1].data == {"round": 2, "period": "P3M",
                                                                   "report_cycle": "R3/P1M"}
    second = monthly(app, iid, extended, 1)
    report(iid, second, done=6, total=8)                # 75 % done: green
    finish(iid, extended + days(35))
    v = variables(iid)
    assert (v["progress_reports"], v["progress_red"], v["progress_green"]) == (1, 0, 1)   # this round only
    street_accept(iid, extended + days(36))
    district_accept(iid, extended + days(40), passed=False)
    assert ledger(iid, "branch.extended")[1].data["failed_at"] == "district"
    assert variables(iid)["rectification_round"] == 3
    third = extended + days(40)
    for month in range(1, 5):
        monthly(app, iid, third, month)
    assert [t.element_id for t in instance_tasks(iid)].count("monthly_report") == 3       # R3/P1M
    for row in [t for t in instance_tasks(iid) if t.element_id == "monthly_report"]:
        report(iid, third + days(125), done=8, total=8, row=row)
    finish(iid, third + days(126))
    street_accept(iid, third + days(127))
    district_accept(iid, third + days(128))
    assert ledger(iid, "branch.delisted")[0].data["extensions"] == 2
    worker(app, third + days(128 + 367))
    complete("partycommittee", "followup_review", iid, third + days(128 + 370), relapsed=True,
             followup_opinion="书记再次空缺，组织生活停滞")
    assert instance(iid).status == "completed"
    assert ledger(iid, "branch.followup_reviewed")[0].data["relapsed"] is True
    assert timedelta(0) < instance(iid).ended_at - naive(third) < timedelta(days=500)
