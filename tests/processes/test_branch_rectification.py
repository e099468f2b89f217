"""软弱涣散基层党组织整顿: screening to delisting and the review a year later, step by step."""
from datetime import timedelta

from govflow.engine.durations import add_duration
from tests.processes.test_branch_steps import (  # noqa: F401
    assign_support,
    begin,
    branch_deployed,
    cross_check,
    decide,
    district_accept,
    draft,
    finish,
    report,
    review,
    screen,
    street_accept,
)
from tests.processes.test_owners_branch_dual_support import (
    complete,
    days,
    due_after,
    elements,
    instance,
    ledger,
    ledger_kinds,
    naive,
    notifications,
    scope_of,
    t0,
    task,
    variables,
    worker,
    years_later,
)


def test_weak_branch_from_screening_to_follow_up(branch_deployed, app):
    at = t0()
    iid = begin(at)
    v = variables(iid)
    assert v["rectification_no"].startswith("ZD-") and instance(iid).business_key == v["rectification_no"]
    assert (v["rectification_period"], v["report_cycle"], v["followup_delay"]) == ("P6M", "R6/P1M", "P1Y")
    row = task("partycommittee", "screen_branch", iid)
    assert (row.candidate_groups, scope_of(row), due_after(row)) == (["street_party_committee"], "street_heping",
                                                                      timedelta(days=15))

    screen(iid, at + days(1))
    v = variables(iid)
    assert v["weak_reasons"] == ["secretary_vacant", "no_org_life", "no_new_members", "low_satisfaction"]
    assert v["weak_reason_labels"][0] == "书记长期空缺（超过3个月）"
    checks = {e: task(u, e, iid) for e, u in (("discipline_check", "discipline"), ("petition_check", "petition"),
                                               ("civil_affairs_check", "civil"))}
    assert {e: scope_of(t) for e, t in checks.items()} == {
        "discipline_check": "dept_discipline", "petition_check": "dept_petition", "civil_affairs_check": "dept_civil"}
    assert all(t.candidate_groups == ["department_handler"] and due_after(t) == timedelta(days=7)
               for t in checks.values())
    assert elements("urban", iid) == [] and elements("orgdept", iid) == []
    cross_check(iid, at + days(2), issues={"petition_check": 3})
    v = variables(iid)
    assert v["cross_check_petition"] == {"office": "信访", "unit": "dept_petition", "has_issues": True,
                                         "issue_count": 3, "findings": "发现问题3件"}
    assert (v["cross_check_discipline"]["has_issues"], v["cross_check_issue_offices"]) == (False, ["信访"])
    assert v["recommend_listing"] is True
    [screened] = ledger(iid, "branch.screened")
    assert (screened.data["issue_count"], screened.data["cross_check_issues"]) == (3, ["信访"])
    assert sorted(e.data["office"] for e in ledger(iid, "branch.cross_checked")) == [
        "civil_affairs", "discipline", "petition"]

    decision = task("orgdept", "district_decide", iid)
    assert (scope_of(decision), due_after(decision)) == ("demo_district", timedelta(days=15))
    decide(iid, at + days(5))
    assign_support(iid, at + days(6))
    assert variables(iid)["support_notified"] == 2
    assert [n.title for n in notifications("unitsec", "branch_")] == ["幸福社区党委列为软弱涣散基层党组织，开展集中整顿"]
    assert "第一书记：高远" in notifications("secretary2", "branch_")[0].body
    assert notifications("secretary", "branch_") == []
    assert ledger(iid, "branch.listed")[0].data["pairing_unit"] == "unit_tax"

    plan = task("secretary2", "draft_plan", iid)
    assert (scope_of(plan), due_after(plan)) == ("comm_xingfu", timedelta(days=15))
    assert elements("secretary", iid) == []
    draft(iid, at + days(8))
    assert (variables(iid)["plan_item_count"], variables(iid)["plan_rounds"]) == (3, 1)
    review(iid, at + days(9))
    began = at + days(9)
    carry_out = task("secretary2", "carry_out", iid)
    assert carry_out.due_at == naive(add_duration(began, "P6M"))
    assert ledger(iid, "branch.rectification_started")[0].data == {"round": 1, "period": "P6M",
                                                                   "report_cycle": "R6/P1M"}

    first = began + days(31) + timedelta(hours=1)      # a month (of at most 31 days) later
    worker(app, first)
    report_task = task("secretary2", "monthly_report", iid)
    assert due_after(report_task) == timedelta(days=5)
    report(iid, first + days(1), done=2, total=8)              # 25 % done, about 18 % expected: green
    [green] = ledger(iid, "branch.progress_reported")
    assert (green.data["light"], green.data["report_no"], green.data["progress_percent"]) == ("green", 1, 25.0)
    assert elements("partycommittee", iid) == []

    second = began + days(62) + timedelta(hours=1)
    worker(app, second)
    report(iid, second + days(1), done=2, total=8, overdue=1)
    red = ledger(iid, "branch.progress_reported")[1]
    assert (red.data["light"], red.data["reason"], red.data["report_no"]) == ("red", "有逾期未完成的整改措施", 2)
    onsite = task("partycommittee", "onsite_check", iid)
    assert (scope_of(onsite), due_after(onsite)) == ("street_heping", timedelta(days=7))
    complete("partycommittee", "onsite_check", iid, second + days(3), onsite_findings="书记人选尚未到位",
             rectify_instructions="两周内完成书记选配", onsite_photos=["onsite.jpg"])
    assert ledger(iid, "branch.onsite_checked")[0].data["progress_light_reason"] == "有逾期未完成的整改措施"

    finish(iid, began + days(70))
    v = variables(iid)
    assert (v["progress_reports"], v["progress_red"], v["progress_green"]) == (2, 1, 1)
    worker(app, began + days(100))                             # no more monthly reports after applying
    assert elements("secretary2", iid) == []
    street_accept(iid, began + days(75))
    district_accept(iid, began + days(80))
    delisted = began + days(80)
    v = variables(iid)
    assert v["delisted_at"] == delisted.isoformat()
    assert notifications("secretary2", "branch_")[-1].title == "幸福社区党委整顿验收合格，予以销号"
    assert instance(iid).next_timer_at == naive(years_later(delisted))
    worker(app, years_later(delisted) - timedelta(hours=1))
    assert elements("partycommittee", iid) == []
    worker(app, years_later(delisted) + timedelta(hours=1))
    followup = task("partycommittee", "followup_review", iid)
    assert due_after(followup) == timedelta(days=30)
    complete("partycommittee", "followup_review", iid, delisted + days(370), relapsed=False,
             followup_opinion="组织生活正常，群众满意度92%")
    assert instance(iid).status == "completed"
    assert ledger_kinds(iid) == [
        "branch.cross_checked", "branch.cross_checked", "branch.cross_checked", "branch.screened", "branch.listed",
        "branch.plan_submitted", "branch.rectification_started", "branch.progress_reported",
        "branch.progress_reported", "branch.onsite_checked", "branch.delisted", "branch.followup_reviewed"]
    assert ledger(iid, "branch.followup_reviewed")[0].data["relapsed"] is False
