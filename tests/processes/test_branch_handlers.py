"""软弱涣散基层党组织整顿: each handler on its own, and what the forms refuse."""
from datetime import UTC, datetime, timedelta, timezone

import pytest

from govflow.engine import clock
from govflow.errors import ValidationFailed
from govflow.forms.validation import describe, validate_submission
from tests.processes.test_branch_steps import branch_deployed  # noqa: F401
from tests.processes.test_owners_branch_dual_support import handler_runner, ledger, notifications

NOW = datetime(2026, 6, 1, 2, tzinfo=UTC)


@pytest.fixture
def run(branch_deployed):
    """run(name, at=None, properties=None, **variables) → what the handler returned."""
    return handler_runner("weak_branch_rectification", "comm_xingfu", "ZD-T")


def test_rectification_number_and_counters(run):
    numbered = run("assign_rectification_number")
    assert numbered["rectification_no"].startswith("ZD-") and numbered["business_key"] == numbered["rectification_no"]
    assert (numbered["rectification_round"], numbered["extension_count"], numbered["plan_rounds"]) == (0, 0, 0)
    assert run("assign_rectification_number", business_key="ZD-IMPORTED")["business_key"] == "ZD-IMPORTED"


def test_ledger_handler_records_the_named_variables(run):
    fields = "rectification_round,onsite_findings"
    run("record_branch_ledger", properties={"kind": "branch.onsite_checked", "fields": fields},
        rectification_round=2, onsite_findings="书记已到位", other="x")
    assert ledger(run.instance_id, "branch.onsite_checked")[0].data == {"rectification_round": 2,
                                                                       "onsite_findings": "书记已到位"}


def test_cross_check_is_kept_per_office(run):
    result = run("record_cross_check", properties={"office": "petition"}, petition_unit="dept_petition",
                 has_issues=True, issue_count=2, check_findings="两件重复信访")
    assert result == {"cross_check_petition": {"office": "信访", "unit": "dept_petition", "has_issues": True,
                                               "issue_count": 2, "findings": "两件重复信访"}}
    assert ledger(run.instance_id, "branch.cross_checked")[0].data == {"office": "petition", "has_issues": True,
                                                                       "issue_count": 2}


def test_screening_recommends_on_criteria_or_on_office_findings(run):
    clean = {"office": "民政", "has_issues": False, "issue_count": 0}
    assert run("assess_branch_screening", cross_check_civil_affairs=clean)["recommend_listing"] is False
    by_office = run("assess_branch_screening", cross_check_discipline={**clean, "office": "纪检监察",
                                                                       "has_issues": True, "issue_count": 1})
    assert (by_office["recommend_listing"], by_office["cross_check_issue_offices"]) == (True, ["纪检监察"])
    by_criteria = run("assess_branch_screening", weak_reasons=["ranked_last"], weak_reason_labels=["年度考核排名末位"])
    assert (by_criteria["recommend_listing"], by_criteria["weak_reasons"]) == (True, ["ranked_last"])
    assert [e.data["recommend_listing"] for e in ledger(run.instance_id, "branch.screened")] == [False, True, True]


def test_support_team_is_told_at_the_pairing_unit_and_the_branch(run):
    result = run("notify_support_team", branch_name="幸福社区党委", decision_doc_no="区组通〔2026〕12号",
                 leading_cadre="吴刚", leading_cadre_title="街道党工委书记", pairing_unit="unit_tax",
                 first_secretary="高远", first_secretary_phone="13912345678", weak_reasons=["no_org_life"])
    assert result["support_notified"] == 2
    assert "结对共建单位：区税务局" in notifications("unitsec", "branch_")[0].body
    assert len(notifications("secretary2", "branch_")) == 1


def test_plan_rounds_and_latest_deadline(run):
    items = [{"problem": "a", "measure": "b", "owner": "甲", "deadline": "2026-08-01"},
             {"problem": "c", "measure": "d", "owner": "甲", "deadline": "2026-11-30"}]
    assert run("register_rectification_plan", plan_items=items, plan_rounds=1) == {
        "plan_rounds": 2, "plan_item_count": 2, "plan_latest_deadline": "2026-11-30"}
    assert ledger(run.instance_id, "branch.plan_submitted")[0].data["owners"] == 1


def test_rectification_period_opens_and_progress_is_rated_against_it(run):
    opened = run("open_rectification", at=NOW, rectification_period="P6M", report_cycle="R6/P1M")
    assert opened == {"rectification_round": 1, "rectification_started_at": NOW.isoformat(),
                      "rectification_ends_at": datetime(2026, 12, 1, 2, tzinfo=UTC).isoformat()}
    # Six calendar months from 1 June are 183 days; half of them have passed.
    rated = run("rate_rectification_progress", at=NOW + timedelta(days=91, hours=12), rectification_round=1,
                rectification_started_at=NOW.isoformat(), rectification_period="P6M", measures_done=3,
                measures_total=10)
    assert rated == {"progress_percent": 30.0, "expected_percent": 50.0, "progress_gap": 20.0, "report_no": 1}
    late = run("rate_rectification_progress", at=NOW + timedelta(days=400), rectification_round=1,
               rectification_started_at=NOW.isoformat(), rectification_period="P6M", measures_done=10,
               measures_total=10)
    assert (late["expected_percent"], late["progress_gap"]) == (100.0, 0.0)


def test_progress_reports_are_counted_per_round(run):
    base = {"progress_light_reason": "x", "progress_percent": 1.0, "expected_percent": 2.0, "measures_done": 1,
            "measures_total": 2, "overdue_measures": 0}
    for rnd, no, light in ((1, 1, "green"), (1, 2, "red"), (2, 1, "green")):
        run("record_progress_report", rectification_round=rnd, report_no=no, progress_light=light, **base)
    assert run("summarise_progress_reports", rectification_round=1) == {
        "progress_reports": 2, "progress_red": 1, "progress_green": 1}
    assert run("rate_rectification_progress", at=NOW, rectification_round=2, rectification_started_at=NOW.isoformat(),
               rectification_period="P3M", measures_done=0, measures_total=1)["report_no"] == 2


def test_extension_switches_to_the_extension_terms(run):
    result = run("extend_rectification", rectification_round=1, street_passed=True, district_opinion="班子仍弱",
                 extension_count=0, extension_period="P3M", extension_report_cycle="R3/P1M")
    assert result == {"extension_count": 1, "rectification_period": "P3M", "report_cycle": "R3/P1M"}
    assert ledger(run.instance_id, "branch.extended")[0].data == {"round": 1, "failed_at": "district",
                                                                  "opinion": "班子仍弱", "extension": 1}


def test_delisting_schedules_the_follow_up(run):
    result = run("delist_branch", at=NOW, branch_name="幸福社区党委", rectification_round=2, extension_count=1,
                 street_score=90.0, followup_delay="P1Y")
    assert result["followup_due_at"] == (NOW + timedelta(days=365)).isoformat()
    assert notifications("secretary2", "branch_")[0].body == "将于2027年06月回头看，巩固整顿成果。"


def errors(key, data):
    with clock.frozen_at(NOW), pytest.raises(ValidationFailed) as caught:
        validate_submission(key, [], data)
    return caught.value.errors


def test_screening_form_checks_percentages_and_evidence():
    data = {"branch_name": "幸福社区党委", "secretary_vacant_months": 0, "org_life_held": True,
            "months_since_new_member": 3, "mass_incidents": 0, "ranked_last": False, "satisfaction_rate": 100.5,
            "screening_files": []}
    assert errors("branch.screening", data) == {"satisfaction_rate": ["须在0到100之间"],
                                                "screening_files": ["请上传1至20个文件"]}
    assert next(f for f in describe("branch.screening", []) if f["id"] == "screening_files")["widget"] == "file"


def test_plan_rows_need_future_deadlines_and_the_support_a_known_unit(branch_deployed):
    plan = {"plan_goal": "转化提升", "plan_items": [{"problem": "a", "measure": "b", "owner": "甲",
                                                   "deadline": "2026-05-31"}]}
    assert errors("branch.plan", plan) == {"plan_items": {0: {"deadline": ["日期须晚于今天"]}}}
    assert errors("branch.plan", {**plan, "plan_items": []}) == {"plan_items": ["至少列出一项问题和措施"]}
    support = {"leading_cadre": "吴刚", "leading_cadre_title": "书记", "pairing_unit": "comm_yangguang",
               "first_secretary": "高远", "first_secretary_phone": "23912345678"}
    assert errors("branch.support", support) == {"pairing_unit": ["须为平台中已有的机关企事业单位或职能部门编码"],
                                                 "first_secretary_phone": ["请填写11位手机号"]}


def test_progress_and_decision_forms_check_their_figures():
    report = {"measures_total": 5, "measures_done": 4, "overdue_measures": 2, "progress_note": "x",
              "progress_photos": ["p.jpg"]}
    assert errors("branch.progress_report", report) == {"overdue_measures": ["逾期数不能超过未完成数"]}
    assert errors("branch.decision", {"listed": True, "decision_opinion": "认定"}) == {
        "decision_doc_no": ["认定时须填写文号"]}
    assert errors("branch.cross_check", {"has_issues": True, "check_findings": "有"}) == {
        "issue_count": ["发现问题时须填写问题数"]}
