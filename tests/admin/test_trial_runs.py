"""Designer trial runs stay out of real work and figures; departments' cases are
counted; the statistics cover what the reader administers."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from govflow.admin.queries import InstanceFilter, instance_query
from govflow.admin.statistics import case_table, stage_counts
from govflow.database import commit, writing
from govflow.definitions.service import latest_definition
from govflow.demo import DEMO_PASSWORD
from govflow.designer.platform import start_trial, trial_runs
from govflow.errors import ValidationFailed
from govflow.extensions import db
from govflow.identity.access import principal_for
from govflow.identity.service import create_user, get_user, grant_role
from govflow.instances.listing import search_instances
from govflow.records.models import Notification
from govflow.worklist.actions import transfer_task
from tests.processes.test_case_handling_helpers import (  # noqa: F401
    analyse,
    case_deployed,
    complete,
    open_tasks,
    rate,
    report,
    report_department,
    to_community,
    variables,
)
from tests.web.conftest import PageClient, csrf_of

TZ = "Asia/Shanghai"
REPORT = {"title": "试运行：路灯不亮", "category": "road", "urgency": "normal", "description": "试运行",
          "location": "阳光小区", "reporter_name": "测试", "reporter_phone": "13900001111", "sms_consent": True,
          "source": "resident"}


def admin_of(unit: str, username: str = "xfadmin"):
    with writing():
        user = create_user(username, "pw-123456789", "幸福社区管理员")
        grant_role(user, f"admin@{unit}")
        commit()
    return principal_for(get_user(username))


def trial(username: str = "designer") -> int:
    with writing():
        instance = start_trial(principal_for(get_user(username)), latest_definition("case_handling"),
                               "grid_yg_1", dict(REPORT))
        commit()
    return instance.id


def closed_by_a_department() -> int:
    case = report()
    to_community(case)
    analyse(case, "whistle", ["dept_urban"])
    complete("urban", "dept_accept", case, accepted=True)
    report_department("urban", case, "已更换灯泡")
    complete("cstaff", "community_check", case, check_passed=True, check_note="已恢复")
    rate(variables(case)["case_no"], "satisfied")
    return case


def test_a_case_a_department_closed_is_counted_for_the_department(case_deployed):
    closed_by_a_department()
    admin = principal_for(get_user("admin"))
    [row] = case_table(admin, "department", TZ)
    assert (row["key"], row["label"], row["cases"], row["resolution_rate"], row["satisfaction_rate"]) == (
        "dept_urban", "区城市管理局", 1, 100.0, 100.0)


def test_statistics_cover_only_the_units_an_administrator_administers(case_deployed):
    closed_by_a_department()
    xingfu = admin_of("comm_xingfu")
    assert case_table(xingfu, "community", TZ) == [] and case_table(xingfu, "department", TZ) == []
    assert stage_counts(xingfu) == []
    yangguang = admin_of("comm_yangguang", "ygadmin")
    assert [r["key"] for r in case_table(yangguang, "community", TZ)] == ["comm_yangguang"]


def test_a_trial_run_is_offered_to_its_designer_only(case_deployed):
    iid = trial()
    assert [t.element_id for t in open_tasks("designer", iid)] == ["grid_verify"]
    for staff in ("grid1", "secretary", "admin"):
        assert open_tasks(staff, iid) == [], staff
    assert db.session.scalars(select(Notification.user_id).where(Notification.instance_id == iid)).all() == [
        get_user("designer").id]
    complete("designer", "grid_verify", iid, resolution="report_up", verify_note="试运行核实")
    assert [t.element_id for t in open_tasks("designer", iid)] == ["community_analyse"]
    assert open_tasks("secretary", iid) == [] and open_tasks("cstaff", iid) == []
    [run] = trial_runs("case_handling")
    assert run.instance.id == iid and [t.element_id for t in run.open_tasks] == ["community_analyse"]
    with writing(), pytest.raises(ValidationFailed) as refused:     # 转办 to real staff: nobody receives a trial step
        transfer_task(run.open_tasks[0].id, principal_for(get_user("designer")), "secretary", "请办理")
    assert refused.value.errors == {"assignee": ["not_receivable"]}


def test_a_trial_run_stays_out_of_searches_exports_and_figures(case_deployed):
    real, iid = report(), trial()
    admin = principal_for(get_user("admin"))
    assert [i.id for i in db.session.scalars(instance_query(InstanceFilter()))] == [real]
    rows, total, _ = search_instances(admin)
    assert [i.id for i in rows] == [real] and total == 1
    assert [r["cases"] for r in case_table(admin, "community", TZ)] == [1]
    assert iid not in [i.id for i in db.session.scalars(instance_query(InstanceFilter(process="case_handling")))]


def signed_in(app, username: str) -> PageClient:
    client = PageClient(app.test_client())
    login = client.get("/login")
    client.client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                       "csrf_token": csrf_of(login.text)})
    return client


def test_the_designer_follows_trial_runs_on_their_page(case_deployed, app):
    iid = trial()
    designer = signed_in(app, "designer")
    page = designer.get("/designer/case_handling/trials").text
    assert f'data-id="{iid}"' in page and "受理核实" in page
    assert "受理核实" in designer.get("/tasks?list=candidate").text   # the designer works the trial's steps
    assert "试运行" not in signed_in(app, "grid1").get("/tasks?list=all").text
