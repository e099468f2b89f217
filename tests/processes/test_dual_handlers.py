"""双报到: each handler on its own, and what the forms refuse."""
from datetime import UTC, datetime, timedelta, timezone

import pytest

from govflow.engine import clock
from govflow.errors import ValidationFailed
from govflow.forms.validation import describe, validate_submission
from tests.processes.test_dual_steps import REGISTRATION, dual_deployed  # noqa: F401
from tests.processes.test_owners_branch_dual_support import handler_runner, ledger, notifications

NOW = datetime(2026, 6, 1, 2, tzinfo=UTC)
ACCEPTED = {"community_accepted": True, "grid_unit": "grid_yg_2", "service_post": "environment",
            "need_posts": ["policy_promotion", "environment"], "need_post_labels": ["政策宣讲岗", "环境整治岗"],
            "service_period": "P1Y", "employer_unit": "unit_tax", "member_name": "马骏", "member_username": "member",
            "skills": ["it"]}


@pytest.fixture
def run(dual_deployed):
    """run(name, at=None, properties=None, **variables) → what the handler returned."""
    return handler_runner("dual_reporting", "comm_yangguang", "SBD-T", member_username="member")


def test_posts_follow_preferences_when_the_community_needs_them(run):
    needs = {"need_posts": ["policy_promotion", "patrol"], "need_post_labels": ["政策宣讲岗", "平安巡防岗"]}
    assert run("match_service_posts", service_preferences=["patrol", "health"], **needs) == {
        "suggested_posts": ["patrol"], "suggested_post_labels": ["平安巡防岗"]}
    assert run("match_service_posts", service_preferences=["health"], **needs)["suggested_posts"] == [
        "policy_promotion", "patrol"]


def test_post_assignment_opens_the_service_year(run):
    result = run("assign_service_post", at=NOW, **ACCEPTED)
    assert result == {"assignment_valid": True, "assignment_problems": [], "service_post_label": "环境整治岗",
                      "service_started_at": NOW.isoformat(), "service_ends_at": (NOW + timedelta(days=365)).isoformat()}
    assert notifications("member", "dual_")[0].body == "服务年度至2027年06月01日，请通过小程序登记每次服务。"
    assert notifications("unitsec", "dual_")[0].body.startswith("编入阳光社区第二网格，服务岗位：环境整治岗。")
    assert run("assign_service_post", community_accepted=False) == {"assignment_valid": False,
                                                                    "assignment_problems": []}
    wrong = run("assign_service_post", **{**ACCEPTED, "grid_unit": "comm_yangguang"})
    assert wrong["assignment_problems"] == ["comm_yangguang不是本社区的网格"]


def test_service_records_are_summed_from_the_ledger(run):
    for hours, points in ((2.5, 3), (4, 5), ("x", 1)):
        run("log_service_record", at=NOW, hours=hours, points=points, activity="环境整治")
    assert run("summarise_service_year") == {"service_hours_total": 6.5, "service_points_total": 8,
                                             "service_records_total": 2}
    assert ledger(run.instance_id, "dual.service_logged")[0].data == {
        "hours": 2.5, "points": 3, "activity": "环境整治", "service_date": "2026-06-01", "source": "mini_program"}
    assert run("log_service_record", hours=0, points=1, rejected_logs=2) == {"rejected_logs": 3}


def test_quarterly_feedback_numbers_the_quarters(run):
    run("log_service_record", at=NOW, hours=3, points=4)
    base = {"employer_unit": "unit_tax", "member_name": "马骏", "service_post_label": "环境整治岗"}
    assert run("send_quarterly_feedback", **base) == {"feedback_quarter": 1}
    assert run("send_quarterly_feedback", **base) == {"feedback_quarter": 2}
    last = notifications("unitsec", "dual_")[-1]
    assert (last.title, last.body) == ("马骏第2季度社区报到服务情况",
                                       "累计服务1次、3.0小时，积分4分（全年合格线：50小时、60分）。岗位：环境整治岗。")


def test_evaluation_uses_the_table_grade_unless_adjusted(run):
    base = {"member_grade": "fail", "service_records_total": 3, "service_hours_total": 20.0,
            "service_points_total": 25, "employer_unit": "unit_tax", "member_name": "马骏", "member_username": "member"}
    assert run("report_member_evaluation", evaluation_confirmed=True, **base)["final_grade"] == "fail"
    assert run("report_member_evaluation", evaluation_confirmed=False, adjusted_grade="pass", **base) == {
        "final_grade": "pass", "final_grade_label": "合格"}


def test_registration_closed_is_recorded_and_told(run):
    run("close_dual_registration", properties={"reason": "community", "opinion": "accept_opinion"},
        accept_opinion="地址不在本社区", member_username="member")
    assert notifications("member", "dual_")[0].title == "您的双报到申请社区未接收"
    assert ledger(run.instance_id, "dual.registration_closed")[0].data == {"reason": "community",
                                                                           "opinion": "地址不在本社区"}


def test_unit_years_are_counted_until_the_agreement_ends(run):
    assert run("register_cobuilding_agreement", unit_code="unit_tax", agreement_no="GJ-1", term_years=2,
               resource_list=["a"], need_list=["b", "c"], project_list=[{}, {}, {}]) == {
        "project_count": 3, "agreement_year": 0}
    assert run("rate_cobuilding_year", projects_completed=5, project_count=3) == {"project_completion_rate": 100.0}
    year = {"unit_code": "unit_tax", "unit_name": "区税务局", "project_completion_rate": 66.67,
            "unit_service_hours": 120.0, "volunteers_count": 40, "term_years": 2, "unit_grade": "pass",
            "evaluation_confirmed": True}
    assert run("record_unit_evaluation", agreement_year=0, **year)["agreement_active"] is True
    assert run("record_unit_evaluation", agreement_year=1, **year) == {"agreement_year": 2, "final_grade": "pass",
                                                                       "agreement_active": False}


def test_dual_numbers_and_the_unit_check(run):
    assert run("assign_dual_number", properties={"prefix": "SBD"})["dual_no"].startswith("SBD-")
    assert run("assign_dual_number", properties={"prefix": "DWBD"}, unit_code="unit_tax")["member_username"] is None
    with pytest.raises(ValueError, match="grid_yg_1"):
        run("assign_dual_number", properties={"prefix": "DWBD"}, unit_code="grid_yg_1")


def errors(key, data):
    with clock.frozen_at(NOW), pytest.raises(ValidationFailed) as caught:
        validate_submission(key, [], data)
    return caught.value.errors


def test_registration_form(dual_deployed):
    assert errors("dual.registration", {**REGISTRATION, "pledge": False, "member_phone": "1391234567",
                                        "employer_unit": "grid_yg_1", "skills": []}) == {
        "pledge": ["须承诺后方可报到"], "member_phone": ["请填写11位手机号"],
        "employer_unit": ["须为平台中已有的机关企事业单位或职能部门"], "skills": ["至少选择1项"]}
    posts = next(f for f in describe("dual.registration", []) if f["id"] == "service_preferences")
    assert posts["widget"] == "multiselect" and {"id": "patrol", "name": "平安巡防岗"} in posts["options"]


def test_acceptance_evaluation_and_agreement_forms():
    assert errors("dual.community_accept", {"community_accepted": True, "accept_opinion": "同意"}) == {
        "grid_unit": ["接收时须编入网格"], "service_post": ["接收时须安排服务岗位"]}
    assert errors("dual.evaluation", {"evaluation_confirmed": False, "evaluation_comment": "x"}) == {
        "adjusted_grade": ["不同意系统评定时须给出等次"]}
    assert errors("dual.agreement_confirm", {"agreement_confirmed": True, "confirm_opinion": "同意"}) == {
        "signed_on": ["签订时须填写日期"], "signature_files": ["签订时须上传签字盖章页"]}
    agreement = {"agreement_no": "GJ-1", "term_years": 6, "resource_list": "会议室", "need_list": "帮办",
                 "project_list": [{"name": "驿站", "owner": "高远", "target": "每月一次", "due": "2026-05-01"}]}
    assert errors("dual.agreement", agreement) == {"term_years": ["须在1至5之间"],
                                                  "project_list": {0: {"due": ["日期须晚于今天"]}}}
