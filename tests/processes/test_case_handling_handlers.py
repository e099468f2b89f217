"""Case handling handlers, one by one: intake, response and the whistle to departments."""
from datetime import datetime, timedelta

import pytest

from govflow.database import commit, writing
from govflow.identity.service import get_org_unit
from govflow.tasks import HandlerContext, get_handler
from tests.processes.test_case_handling_helpers import (  # noqa: F401
    case_context,
    case_deployed,
    complete,
    ledger,
    now,
    report,
    task,
    urged,
    variables,
    whistle,
)


def run(name: str, ctx: HandlerContext) -> dict:
    with writing():
        out = get_handler(name)(ctx)
        commit()
    return out


@pytest.fixture
def case(case_deployed):
    """A reported case waiting for 受理核实; its id."""
    return report()


def test_check_case_report_applies_the_form_defaults(case):
    ctx = case_context(case, urgency=None, source=None, sms_consent=None, reporter_phone=None)
    for key in ("urgency", "source", "sms_consent", "reporter_phone"):
        ctx.variables.pop(key)
    out = run("check_case_report", ctx)
    assert (out["urgency"], out["source"], out["sms_consent"]) == ("normal", "resident", False)
    assert "org_unit" not in out and out["category"] == "road"


def test_check_case_report_refuses_bad_fields_by_name(case):
    with pytest.raises(ValueError) as raised:
        run("check_case_report", case_context(case, category="weather", reporter_phone="12345"))
    assert "category" in str(raised.value) and "reporter_phone" in str(raised.value)
    with pytest.raises(ValueError, match="reporter_phone"):
        run("check_case_report", case_context(case, reporter_phone=None, sms_consent=True))


def test_assign_case_number_takes_the_next_number_of_the_year(case):
    ctx = case_context(case, case_no=None)
    ctx.business_key = None
    first, second = run("assign_case_number", ctx), run("assign_case_number", ctx)
    year = now().year
    assert first["case_no"] == f"{year}-000002" and second["case_no"] == f"{year}-000003"
    assert first["business_key"] == first["case_no"] and first["reported_at"].startswith(str(year))
    ctx.variables["case_no"] = "12345-889"
    assert run("assign_case_number", ctx)["case_no"] == "12345-889"


def test_route_case_finds_grid_community_street_and_zeroes_the_figures(case):
    out = run("route_case", case_context(case, unit="comm_yangguang", grid="grid_yg_2"))
    assert (out["grid"], out["community"], out["street"]) == ("grid_yg_2", "comm_yangguang", "street_heping")
    assert out["reopen_count"] == out["redo_count"] == out["dispatch_round"] == 0
    assert out["departments_involved"] == [] and out["responded_in_time"] is None
    received = ledger(case, "case_received")
    assert len(received) == 2 and received[-1].data["grid"] == "grid_yg_2"
    assert received[-1].org_unit_id == get_org_unit("comm_yangguang").id


@pytest.mark.parametrize("unit, grid", [("grid_yg_1", "comm_yangguang"), ("comm_yangguang", None),
                                        ("comm_yangguang", "grid_xf_1"), ("grid_yg_1", "grid_yg_2")])
def test_route_case_refuses_a_case_not_reported_at_a_grid_of_its_unit(case, unit, grid):
    with pytest.raises(ValueError, match="案件须上报到本单位的网格"):
        run("route_case", case_context(case, unit=unit, grid=grid))


def test_record_response_time_compares_with_the_limit(case):
    late = (now() - timedelta(hours=30)).isoformat()
    assert run("record_response_time", case_context(case))["responded_in_time"] is True
    out = run("record_response_time", case_context(case, reported_at=late))
    assert out["responded_in_time"] is False and 29.9 < out["response_hours"] < 30.1
    assert [e.data["in_time"] for e in ledger(case, "case_responded")] == [True, False]


def test_escalate_to_community_marks_the_response_missed(case):
    out = run("escalate_to_community", case_context(case))
    assert out == {"escalated": True, "responded_in_time": False}
    assert ledger(case, "case_escalated")[0].data["limit"] == "PT24H"


def test_notify_assignees_tells_the_candidates_or_the_assignee(case):
    ctx = case_context(case, properties={"tasks": "grid_verify"})
    assert run("notify_assignees", ctx) == {"grid_verify_reminders": 1}
    [note] = urged("grid1")
    assert (note.title, note.body) == ("受理核实", f"{variables(case)['case_no']} 小区门口路灯不亮")
    assert urged("grid2") == [] and urged("cstaff") == []
    ctx.variables["grid_verify_reminders"] = 1
    assert run("notify_assignees", ctx) == {"grid_verify_reminders": 2}
    assert urged("grid1")[-1].task_id == task("grid1", "grid_verify").id


def test_prepare_dispatch_keeps_the_communitys_choice_of_real_departments(case):
    out = run("prepare_dispatch", case_context(
        case, departments=["dept_env", "comm_yangguang", "dept_env", "nowhere", "dept_urban"]))
    assert out == {"departments": ["dept_env", "dept_urban"], "dispatch_kind": "dispatch", "dispatch_problem": None}


def test_prepare_dispatch_falls_back_to_the_suggestion_minus_returned_and_busy(case):
    ctx = case_context(case, departments=[], suggested_departments=["dept_urban", "dept_housing", "dept_market"],
                       all_returned_departments=["dept_urban"], active_departments=["dept_housing"])
    assert run("prepare_dispatch", ctx)["departments"] == ["dept_market"]
    ctx.variables["active_departments"] = ["dept_housing", "dept_market"]
    out = run("prepare_dispatch", ctx)
    assert out["departments"] == [] and "无可派部门" in out["dispatch_problem"]


def test_open_dispatch_round_dates_the_deadline_and_lists_the_departments(case):
    out = run("open_dispatch_round", case_context(case, departments=["dept_urban", "dept_env"], dept_deadline="P5D",
                                                  dispatch_kind="dispatch", departments_involved=["dept_env"]))
    assert out["dispatch_round"] == 1 and out["departments_involved"] == ["dept_env", "dept_urban"]
    due = out["dept_due_at"]
    assert abs(now() + timedelta(days=5) - datetime.fromisoformat(due)) < timedelta(minutes=1)
    entries = ledger(case, "case_dispatched")
    assert [(e.data["department"], e.data["round"], e.data["due_at"]) for e in entries] == [
        ("dept_urban", 1, due), ("dept_env", 1, due)]
    assert entries[0].org_unit_id == get_org_unit("dept_urban").id


def test_record_department_return_keeps_the_reason_on_the_department(case):
    out = run("record_department_return", case_context(case, department="dept_env", dispatch_round=1,
                                                       return_reason="不属噪声污染", suggested_department="城管"))
    entry = ledger(case, "case_department_returned")[0]
    assert out == {"returned": True} and entry.org_unit_id == get_org_unit("dept_env").id
    assert (entry.data["reason"], entry.data["suggested"], entry.data["round"]) == ("不属噪声污染", "城管", 1)


def test_record_department_report_flags_a_late_report(case):
    base = dict(department="dept_urban", dispatch_round=2, dispatch_kind="redo", dept_result="已修复",
                result_photos=["p1"], dispatched_at=(now() - timedelta(days=6)).isoformat())
    on_time = run("record_department_report", case_context(case, dept_due_at=(now() + timedelta(days=1)).isoformat(),
                                                           **base))
    late = run("record_department_report", case_context(case, dept_due_at=(now() - timedelta(days=1)).isoformat(),
                                                        **base))
    assert on_time == {"dept_overdue": False} and late == {"dept_overdue": True}
    entry = ledger(case, "case_department_reported")[-1]
    assert (entry.data["result"], entry.data["photos"], entry.data["dispatch_kind"]) == ("已修复", ["p1"], "redo")
    assert 143.9 < entry.data["hours"] < 144.1


def test_list_overdue_departments_names_those_still_holding_the_case(case_deployed):
    case = report()
    whistle(case, ["dept_urban", "dept_env"])
    complete("env", "dept_accept", case, accepted=False, return_reason="不属本部门")
    out = run("list_overdue_departments", case_context(case))
    assert out == {"overdue_now": ["dept_urban"]}
    assert [e.data["department"] for e in ledger(case, "case_department_overdue")] == ["dept_urban"]


def test_collect_department_results_splits_returns_from_reports(case):
    def entry(handler, **data):
        run(handler, case_context(case, dispatch_round=data.pop("round"), dept_due_at=now().isoformat(), **data))
    entry("record_department_report", round=1, department="dept_housing", dept_result="第一次")
    entry("record_department_return", round=2, department="dept_urban", return_reason="非本部门")
    entry("record_department_report", round=2, department="dept_market", dept_result="已检验")
    out = run("collect_department_results", case_context(case, dispatch_round=2, active_departments=["dept_housing"],
                                                         overdue_departments=[]))
    assert out["returned_departments"] == ["dept_urban"] and out["all_returned_departments"] == ["dept_urban"]
    assert out["active_departments"] == ["dept_housing", "dept_market"]
    assert [(r["department"], r["result"]) for r in out["department_results"]] == [
        ("dept_housing", "第一次"), ("dept_market", "已检验")]
    assert out["overdue_departments"] == ["dept_housing", "dept_market"]  # both reported after the due instant


def test_send_back_for_redo_returns_the_case_to_the_departments_holding_it(case):
    out = run("send_back_for_redo", case_context(case, active_departments=["dept_housing", "dept_market"],
                                                 redo_count=0, check_note="仍有异响"))
    assert out == {"departments": ["dept_housing", "dept_market"], "dispatch_kind": "redo", "redo_count": 1}
    assert ledger(case, "case_redo")[0].data["note"] == "仍有异响"
