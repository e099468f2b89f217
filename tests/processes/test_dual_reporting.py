"""在职党员双报到: registration to the year-end evaluation, step by step."""
from datetime import timedelta

from tests.processes.test_dual_steps import (  # noqa: F401
    accept,
    begin,
    dual_deployed,
    employer_confirm,
    evaluate,
    log,
    register,
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
)

QUARTER = 92      # the longest three calendar months, in days


def test_member_reports_serves_a_year_and_is_evaluated(dual_deployed, app):
    at = t0()
    iid = begin(at)
    v = variables(iid)
    assert v["dual_no"].startswith("SBD-") and (v["confirm_limit"], v["feedback_cycle"]) == ("P7D", "R3/P3M")
    row = task("member", "register_member", iid)
    assert (row.assignee_id is not None, row.candidate_groups, scope_of(row), due_after(row)) == (
        True, ["community_staff"], "comm_yangguang", timedelta(days=7))
    register(iid, at)
    confirm = task("unitsec", "employer_confirm", iid)
    assert (confirm.candidate_groups, scope_of(confirm), due_after(confirm)) == (
        ["unit_party_secretary"], "unit_tax", timedelta(days=7))
    assert elements("secretary", iid) == []
    employer_confirm(iid, at + days(2))
    v = variables(iid)
    assert v["need_posts"] == ["policy_promotion", "environment", "elderly_care", "patrol"]
    assert (v["suggested_posts"], v["suggested_post_labels"]) == (["patrol"], ["平安巡防岗"])
    acceptance = task("secretary", "community_accept", iid)
    assert (scope_of(acceptance), due_after(acceptance)) == ("comm_yangguang", timedelta(days=7))
    assert elements("secretary2", iid) == []

    accepted = at + days(3)
    accept(iid, accepted)
    v = variables(iid)
    assert (v["assignment_valid"], v["service_post_label"]) == (True, "平安巡防岗")
    assert v["service_ends_at"] == (accepted + days(365)).isoformat()
    assert ledger(iid, "dual.registered")[0].data == {"employer_unit": "unit_tax", "grid_unit": "grid_yg_1",
                                                      "service_post": "patrol", "skills": ["legal", "it"]}
    assert notifications("member", "dual_")[-1].title == "报到成功：阳光社区第一网格·平安巡防岗"
    assert notifications("unitsec", "dual_")[-1].title == "马骏已到居住地社区报到"

    log(iid, accepted + days(10), 4, 5)
    log(iid, accepted + days(40), 6, 8, activity="文明劝导")
    worker(app, accepted + days(QUARTER) + timedelta(hours=1))
    [q1] = ledger(iid, "dual.quarterly_feedback")
    assert (q1.data["quarter"], q1.data["hours"], q1.data["points"], q1.data["records"], q1.data["notified"]) == (
        1, 10.0, 13, 2, 1)
    assert notifications("unitsec", "dual_")[-1].title == "马骏第1季度社区报到服务情况"
    # records stay clear of the days between a quarter's end (89 to 92 days, by calendar) and the worker
    for quarter, on_days in ((2, (120, 150, 170)), (3, (200, 230, 260))):
        for n in on_days:
            log(iid, accepted + days(n), 6, 7)
        worker(app, accepted + days(quarter * QUARTER) + timedelta(hours=1))
    for n in (300, 330):
        log(iid, accepted + days(n), 6, 7)
    assert [(e.data["quarter"], e.data["records"]) for e in ledger(iid, "dual.quarterly_feedback")] == [
        (1, 2), (2, 5), (3, 8)]
    assert instance(iid).next_timer_at == naive(accepted + days(365))   # the cycle ran out; the year end waits

    worker(app, accepted + days(365) + timedelta(hours=1))
    v = variables(iid)
    assert (v["service_hours_total"], v["service_points_total"], v["service_records_total"]) == (58.0, 69, 10)
    assert (v["member_grade"], v["member_grade_label"], v["pass_hours"], v["pass_points"]) == ("pass", "合格", 50, 60)
    evaluation = task("secretary", "community_evaluate", iid)
    assert due_after(evaluation) == timedelta(days=15)
    import pytest

    from govflow.errors import NotFound
    with pytest.raises(NotFound):            # the year is over: nobody waits for service records any more
        log(iid, accepted + days(366), 2, 2)
    from govflow.extensions import db
    db.session.rollback()
    evaluate(iid, accepted + days(370))
    assert variables(iid)["final_grade"] == "pass"
    assert notifications("unitsec", "dual_")[-1].title == "马骏年度社区报到服务评议结果"
    assert "年度评议等次：合格" in notifications("member", "dual_")[-1].body
    receipt = task("unitsec", "employer_receipt", iid)
    assert (scope_of(receipt), due_after(receipt)) == ("unit_tax", timedelta(days=15))
    complete("unitsec", "employer_receipt", iid, accepted + days(375), receipt_confirmed=True)
    assert instance(iid).status == "completed"
    assert ledger(iid, "dual.evaluated")[0].data == {"grade": "pass", "table_grade": "pass", "hours": 58.0,
                                                     "points": 69, "employer_unit": "unit_tax"}
    kinds = ledger_kinds(iid)
    assert kinds.count("dual.service_logged") == 10 and kinds[0] == "dual.registered" and kinds[-1] == "dual.evaluated"
