"""Case handling through the service layer: the grid and community paths.

小事不出网格 (on-spot), 不予受理 (invalid report), 社区自行处置, 议事协商 — with the
tasks' candidates, scopes and due dates, the public result, SMS and ledger.
"""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from govflow.errors import ValidationFailed
from govflow.extensions import db
from govflow.identity.service import get_org_unit
from govflow.instances.models import Incident, MessageSubscription, ProcessInstance
from tests.processes.test_case_handling_helpers import (  # noqa: F401
    PHONE,
    PHOTO,
    analyse,
    case_deployed,
    close_to,
    complete,
    due_in,
    instance,
    ledger,
    ledger_kinds,
    open_tasks,
    public_result,
    rate,
    report,
    sms_messages,
    task,
    to_community,
    variables,
    verify,
)


def test_on_spot_resolution_with_a_satisfied_rating(case_deployed):
    case = report()
    v = variables(case)
    assert re.fullmatch(r"\d{4}-\d{6}", v["case_no"]) and v["business_key"] == v["case_no"]
    assert instance(case).business_key == v["case_no"] and instance(case).title == "小区门口路灯不亮"
    verify_task = task("grid1", "grid_verify")
    assert verify_task.candidate_groups == ["grid_worker"] and verify_task.form_key == "case.verify"
    assert verify_task.scope_path == get_org_unit("grid_yg_1").path and verify_task.priority == 50
    assert close_to(due_in(verify_task), timedelta(hours=24))
    assert open_tasks("grid2") == [] and open_tasks("cstaff") == []

    verify(case, "on_spot")
    v = variables(case)
    assert (v["responded_in_time"], v["resolved"], v["resolution_path"]) == (True, True, "on_spot")
    assert v["result_summary"] == "已更换灯泡，路灯恢复" and v["result_photos_public"] == PHOTO
    board = public_result(case)
    assert board.business_key == v["case_no"] and board.photos == PHOTO and "王**反映" in board.summary
    accepted, sms = sms_messages()  # 受理, then the result
    assert accepted.payload["template"] == "case_accepted" and sms.payload["template"] == "case_resolved"
    assert sms.payload["phone"] == PHONE and v["case_no"] in sms.payload["text"]
    waiting = db.session.scalars(select(MessageSubscription).where(MessageSubscription.instance_id == case)).all()
    assert [(s.message_name, s.business_key) for s in waiting] == [("case_rated", v["case_no"])]

    assert rate(v["case_no"], "satisfied", "很快就修好了") == [case]
    v = variables(case)
    assert instance(case).status == "completed" and v["case_status"] == "closed"
    assert (v["rating"], v["rated_via"], v["satisfied"], v["rating_comment"]) == (
        "satisfied", "message", True, "很快就修好了")
    assert ledger_kinds(case) == ["case_received", "case_responded", "case_resolved", "case_rated", "case_closed"]
    closed = ledger(case, "case_closed")[0]
    assert closed.org_unit_id == get_org_unit("comm_yangguang").id and closed.business_key == v["case_no"]
    assert {k: closed.data[k] for k in ("outcome", "responded_in_time", "resolved", "satisfied", "reopened",
                                        "resolution_path", "departments_involved")} == {
        "outcome": "closed", "responded_in_time": True, "resolved": True, "satisfied": True, "reopened": False,
        "resolution_path": "on_spot", "departments_involved": []}


def test_on_spot_needs_a_result_and_photos(case_deployed):
    case = report()
    with pytest.raises(ValidationFailed) as refused:
        verify(case, "on_spot", verify_photos=[])
    assert set(refused.value.errors) == {"verify_photos"}
    db.session.rollback()
    assert task("grid1", "grid_verify").status == "open"


def test_an_untrue_report_is_closed_with_a_reply_and_no_rating(case_deployed):
    case = report()
    verify(case, "invalid", verify_note="现场路灯正常")
    v = variables(case)
    assert instance(case).status == "completed" and v["case_status"] == "invalid"
    assert "经现场核实：现场路灯正常，不予立案" in sms_messages()[0].payload["text"]
    assert public_result(case) is None
    assert ledger_kinds(case) == ["case_received", "case_responded", "case_closed"]
    assert ledger(case, "case_closed")[0].data["outcome"] == "invalid"


def test_reported_up_and_handled_by_the_community(case_deployed):
    case = report(urgency="urgent", reporter_phone=None, sms_consent=False)
    assert close_to(due_in(task("grid1", "grid_verify")), timedelta(hours=2))
    assert task("grid1", "grid_verify").priority == 90
    to_community(case)
    analysis = task("secretary", "community_analyse")
    assert analysis.id == task("cstaff", "community_analyse").id and open_tasks("secretary2") == []
    assert analysis.scope_path == get_org_unit("comm_yangguang").path
    assert analysis.candidate_groups == ["community_secretary", "community_staff"]
    assert close_to(due_in(analysis), timedelta(days=1)) and analysis.priority == 90

    analyse(case, "self")
    handle = task("cstaff", "community_handle")
    assert handle.form_key == "case.community_handle" and close_to(due_in(handle), timedelta(days=3))
    with pytest.raises(ValidationFailed) as refused:
        complete("cstaff", "community_handle", case, handling_result="已清理")
    assert set(refused.value.errors) == {"handling_photos"}
    db.session.rollback()
    complete("cstaff", "community_handle", case, handling_result="已协调物业更换灯具", handling_photos=["h1", "h2"])
    v = variables(case)
    assert (v["resolution_path"], v["result_photos_public"]) == ("community", ["h1", "h2"])
    assert sms_messages() == [] and v["reporter_notified"] is False
    rate(v["case_no"], "basic")
    v = variables(case)
    assert v["satisfied"] is True and v["case_status"] == "closed"
    assert ledger(case, "case_closed")[0].data["resolution_path"] == "community"


def test_deliberation_that_agrees(case_deployed):
    case = report(category="parking", title="小区停车位紧张", description="晚上车辆乱停，消防通道被占")
    to_community(case)
    analyse(case, "deliberate")
    assert [t.element_id for t in open_tasks("cstaff")] == []  # 议事 is the secretary's
    talk = task("secretary", "deliberate")
    assert talk.form_key == "case.deliberate" and close_to(due_in(talk), timedelta(days=7))
    complete("secretary", "deliberate", case, meeting_date="2026-05-01", participants="居民代表、物业、业委会",
             agreement="夜间开放单位停车场，错峰停车", deliberation_outcome="agreed", minutes_files=["m1"])
    v = variables(case)
    assert (v["resolution_path"], v["result_summary"]) == ("deliberation", "夜间开放单位停车场，错峰停车")
    assert public_result(case).summary.endswith("办理结果：夜间开放单位停车场，错峰停车")
    assert v["departments_involved"] == []


def test_deliberation_that_needs_a_department_whistles_by_category(case_deployed):
    case = report(category="parking")
    to_community(case)
    analyse(case, "deliberate")
    complete("secretary", "deliberate", case, meeting_date="2026-05-01", participants="居民代表",
             agreement="需城管清理僵尸车", deliberation_outcome="whistle")
    accept = task("urban", "dept_accept")
    assert accept.scope_path == get_org_unit("dept_urban").path and open_tasks("housing") == []
    assert variables(case)["departments"] == ["dept_urban"]


def test_a_report_the_start_form_refuses_is_not_started(case_deployed):
    with pytest.raises(ValidationFailed) as refused:
        report(category="weather", reporter_phone="12345")
    assert {"category", "reporter_phone"} <= set(refused.value.errors)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance)) == 0


def test_other_grids_and_communities_do_not_see_the_case(case_deployed):
    case = report(unit="grid_xf_1")
    assert [t.element_id for t in open_tasks("grid3")] == ["grid_verify"]
    assert open_tasks("grid1") == [] and open_tasks("grid2") == []
    complete("grid3", "grid_verify", case, resolution="report_up", verify_note="属实")
    assert [t.element_id for t in open_tasks("secretary2")] == ["community_analyse"]
    assert open_tasks("secretary") == [] and open_tasks("cstaff") == []
    assert variables(case)["community"] == "comm_xingfu"


def test_a_hotline_case_keeps_its_number_and_goes_to_the_grid_it_names(case_deployed):
    case = report(unit="comm_yangguang", business_key="12345-20260501-0007", grid="grid_yg_2", source="hotline")
    v = variables(case)
    assert v["case_no"] == "12345-20260501-0007" and v["grid"] == "grid_yg_2"
    row = task("grid2", "grid_verify")
    assert row.business_key == "12345-20260501-0007" and open_tasks("grid1") == []
    assert ledger(case, "case_received")[0].data["source"] == "hotline"


def test_over_the_api_a_grid_worker_reports_and_works_the_case(case_deployed, api_as):
    grid1 = api_as("grid1")
    started = grid1.post("/process-instances", {"process_key": "case_handling", "org_unit": "grid_yg_1", "variables": {
        "title": "楼道堆物", "category": "safety", "description": "2单元楼道堆放纸箱", "location": "阳光小区2栋",
        "source": "grid_worker", "photos": [grid1.upload()]}})
    assert started.status_code == 201, started.json
    case_no = started.json["variables"]["case_no"]
    [listed] = grid1.get("/tasks").json
    assert (listed["element_id"], listed["scope"], listed["form_key"]) == ("grid_verify", "grid_yg_1", "case.verify")
    form = {f["id"]: f for f in grid1.get(f"/tasks/{listed['id']}").json["form"]["fields"]}
    assert form["resolution"]["label"] == "处置方式" and form["verify_photos"]["widget"] == "file"
    refused = grid1.post(f"/tasks/{listed['id']}/complete", {"variables": {"resolution": "on_spot"}})
    assert refused.status_code == 422 and {"verify_note", "handling_result", "verify_photos"} <= set(
        refused.json["errors"])
    done = grid1.post(f"/tasks/{listed['id']}/complete", {"variables": {
        "resolution": "on_spot", "verify_note": "属实", "handling_result": "已清理",
        "verify_photos": [grid1.upload()]}})
    assert done.status_code == 200
    hotline = api_as("admin")
    rated = hotline.post("/messages", {"name": "case_rated", "business_key": case_no,
                                       "variables": {"rating": "1", "rating_comment": "短信回复"}})
    assert rated.status_code == 200, rated.json
    shown = hotline.get(f"/process-instances/{started.json['id']}").json
    assert shown["status"] == "completed" and shown["variables"]["rating"] == "satisfied"
    assert sms_messages() == []  # no phone given
