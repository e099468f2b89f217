"""Case handling through the service layer: 吹哨报到 to departments.

Parallel departments, 退单 and re-dispatch, 核查 failing into 重办, and 督办 when a
department passes its deadline (timers fired with ``worker --once --now``).
"""
from datetime import datetime, timedelta

import pytest

from govflow.errors import ValidationFailed
from govflow.extensions import db
from govflow.identity.service import get_org_unit
from tests.processes.test_case_handling_helpers import (  # noqa: F401
    analyse,
    case_deployed,
    close_to,
    complete,
    due_in,
    instance,
    ledger,
    open_tasks,
    public_result,
    rate,
    report,
    report_department,
    task,
    urged,
    variables,
    whistle,
    worker,
)

ELEVATOR = dict(category="property", title="电梯频繁故障", description="5号楼电梯一周坏三次，老人出行困难")


def test_two_departments_in_parallel_one_returns_and_is_redispatched(case_deployed):
    case = report(**ELEVATOR)
    whistle(case, ["dept_housing", "dept_urban"])
    housing, urban = task("housing", "dept_accept"), task("urban", "dept_accept")
    assert housing.scope_path == get_org_unit("dept_housing").path
    assert urban.scope_path == get_org_unit("dept_urban").path
    assert housing.candidate_groups == ["department_handler"] and housing.form_key == "case.dept_accept"
    assert close_to(due_in(housing), timedelta(hours=8))  # 物业管理: 8 h to accept (case_department_deadlines)
    assert open_tasks("market") == [] and open_tasks("env") == []

    complete("urban", "dept_accept", case, accepted=False, return_reason="电梯属特种设备，归市场监管",
             suggested_department="区市场监督管理局")
    complete("housing", "dept_accept", case, accepted=True)
    handle = task("housing", "dept_handle")
    v = variables(case)
    assert handle.due_at == datetime.fromisoformat(v["dept_due_at"]).replace(tzinfo=None)
    assert close_to(handle.due_at - datetime.fromisoformat(v["dispatched_at"]).replace(tzinfo=None),
                    timedelta(days=7))
    assert open_tasks("secretary") == []  # the round is not over while housing works
    report_department("housing", case, "已约谈物业公司，督促维保单位检修")

    v = variables(case)
    assert v["returned_departments"] == ["dept_urban"] and v["active_departments"] == ["dept_housing"]
    returned = ledger(case, "case_department_returned")[0]
    assert returned.org_unit_id == get_org_unit("dept_urban").id and returned.data["reason"].startswith("电梯")
    assert [t.element_id for t in open_tasks("secretary")] == ["community_analyse"]  # 重新派单
    analyse(case, "whistle", ["dept_market"])
    complete("market", "dept_accept", case, accepted=True, promised_date="2099-12-31")
    report_department("market", case, "已检验电梯，责令维保单位更换部件")

    check = task("cstaff", "community_check")
    assert check.scope_path == get_org_unit("comm_yangguang").path and close_to(due_in(check), timedelta(days=2))
    complete("cstaff", "community_check", case, check_passed=True, check_note="电梯运行正常")
    v = variables(case)
    assert v["departments_involved"] == ["dept_housing", "dept_urban", "dept_market"]
    assert [r["department"] for r in v["department_results"]] == ["dept_housing", "dept_market"]
    assert v["resolution_path"] == "departments" and v["dispatch_round"] == 2
    assert public_result(case).summary.endswith("办理结果：已约谈物业公司，督促维保单位检修；已检验电梯，责令维保单位更换部件")
    rate(v["case_no"], "satisfied")
    closed = ledger(case, "case_closed")[0].data
    assert closed["departments_involved"] == ["dept_housing", "dept_urban", "dept_market"]
    assert [e.data["department"] for e in ledger(case, "case_dispatched")] == [
        "dept_housing", "dept_urban", "dept_market"]


def test_failed_check_sends_the_case_back_to_the_department(case_deployed):
    case = report()
    whistle(case, [])  # 道路设施: the routing table picks 城管
    assert variables(case)["departments"] == ["dept_urban"]
    complete("urban", "dept_accept", case, accepted=True)
    report_department("urban", case, "已更换灯泡")
    # 退回 offers only steps the case can go back to: the departments' sub-process has
    # ended, so its 签收/办理 are not among them (they failed with "has not run yet").
    from govflow.worklist.actions import returnable_steps
    offered = [element for element, _ in returnable_steps(task("cstaff", "community_check"))]
    assert "community_analyse" in offered and not {"dept_accept", "dept_handle"} & set(offered)
    complete("cstaff", "community_check", case, check_passed=False, check_note="夜间仍不亮，线路故障")
    redo = task("urban", "dept_handle")  # 重办: straight to handling, no second 签收
    assert [t.element_id for t in open_tasks("urban")] == ["dept_handle"]
    v = variables(case)
    assert (v["dispatch_kind"], v["redo_count"], v["dispatch_round"]) == ("redo", 1, 2)
    assert close_to(due_in(redo), timedelta(days=5))
    report_department("urban", case, "已更换线路，路灯恢复")
    complete("cstaff", "community_check", case, check_passed=True, check_note="已恢复")
    v = variables(case)
    assert v["result_summary"] == "已更换线路，路灯恢复" and v["redo_count"] == 1
    assert ledger(case, "case_redo")[0].data["note"] == "夜间仍不亮，线路故障"
    assert [e.data["round"] for e in ledger(case, "case_department_reported")] == [1, 2]


def test_overdue_department_raises_supervision_while_it_keeps_working(case_deployed, app):
    case = report()
    whistle(case, ["dept_urban"])
    complete("urban", "dept_accept", case, accepted=True)
    dispatched = datetime.fromisoformat(variables(case)["dispatched_at"])
    assert "timers fired: 0" in worker(app, dispatched + timedelta(days=4))
    worker(app, dispatched + timedelta(days=5, minutes=1))
    supervise = task("supervisor", "supervise")
    assert supervise.scope_path == get_org_unit("street_heping").path and supervise.priority == 80
    assert supervise.candidate_groups == ["supervisor"] and supervise.form_key == "case.supervise"
    assert close_to(due_in(supervise), timedelta(days=1))
    assert [t.element_id for t in open_tasks("urban")] == ["dept_handle"]  # the department keeps working
    assert open_tasks("street") == []
    assert [e.data["department"] for e in ledger(case, "case_department_overdue")] == ["dept_urban"]

    with pytest.raises(ValidationFailed):
        complete("supervisor", "supervise", case, supervision_method="phone", supervision_note="x",
                 new_deadline="2000-01-01")
    db.session.rollback()
    complete("supervisor", "supervise", case, supervision_method="notice", supervision_note="限两日内办结",
             new_deadline="2099-01-01")
    [urge] = urged("urban")
    assert urge.title == "部门办理反馈" and urge.task_id == task("urban", "dept_handle").id
    report_department("urban", case, "已修复", at=dispatched + timedelta(days=6))
    v = variables(case)
    assert v["overdue_departments"] == ["dept_urban"]
    assert ledger(case, "case_department_reported")[0].data["overdue"] is True


def test_open_supervision_ends_with_the_case(case_deployed, app):
    case = report()
    whistle(case, ["dept_urban"])
    dispatched = datetime.fromisoformat(variables(case)["dispatched_at"])
    worker(app, dispatched + timedelta(days=5, minutes=1))  # 签收 not even done: 城管 overdue
    assert task("supervisor", "supervise") and task("urban", "dept_accept")
    complete("urban", "dept_accept", case, accepted=True)
    report_department("urban", case)
    complete("cstaff", "community_check", case, check_passed=True, check_note="好")
    assert [t.element_id for t in open_tasks("supervisor")] == ["supervise"]  # never blocks the case
    rate(variables(case)["case_no"], "satisfied")
    assert instance(case).status == "completed" and open_tasks("supervisor") == []


def test_no_department_left_sends_the_case_back_to_analysis(case_deployed):
    case = report(category="other", title="其他问题")
    whistle(case, [])
    v = variables(case)
    assert v["departments"] == [] and v["dispatch_problem"].startswith("无可派部门")
    assert [t.element_id for t in open_tasks("secretary")] == ["community_analyse"]
    analyse(case, "whistle", ["dept_env"])
    assert [t.element_id for t in open_tasks("env")] == ["dept_accept"]


def test_department_forms_require_reasons_photos_and_future_dates(case_deployed):
    case = report()
    whistle(case, ["dept_urban"])
    for values, field in (({"accepted": False}, "return_reason"),
                          ({"accepted": True, "promised_date": "2001-01-01"}, "promised_date")):
        with pytest.raises(ValidationFailed) as refused:
            complete("urban", "dept_accept", case, **values)
        assert set(refused.value.errors) == {field}
        db.session.rollback()
    complete("urban", "dept_accept", case, accepted=True)
    with pytest.raises(ValidationFailed) as refused:
        report_department("urban", case, result_photos=[])
    assert set(refused.value.errors) == {"result_photos"}
