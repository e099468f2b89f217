"""Admin pages: saved searches, masked exports for supervisors, the dashboard's
drill-down by unit and role, the statistics page and its downloads, editing a variable."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from .conftest import start_cases


def ledger(response):
    return list(load_workbook(io.BytesIO(response.data))["台账"].values)


def test_saved_searches_are_saved_applied_and_deleted_per_user(page_as, page_cases):
    admin = page_as("admin")
    admin.get("/admin/instances?org=grid_yg_1&page=2")
    saved = admin.post("/admin/filters", data={"name": "一网格", "query": "org=grid_yg_1&page=2&format=xlsx"})
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/admin/instances?org=grid_yg_1&page=2&format=xlsx")
    page = admin.get("/admin/instances")
    assert page.text.count('data-testid="saved-filter"') == 1
    assert 'href="/admin/instances?org=grid_yg_1"' in page.text     # page and format are not kept
    assert admin.post("/admin/filters", data={"name": " ", "query": "org=x"}).status_code == 303
    assert "name: required" in admin.get("/admin/instances").text
    filter_id = int(page.text.split('/admin/filters/')[1].split('/delete')[0])
    assert admin.post(f"/admin/filters/{filter_id}/delete").status_code == 303
    assert 'data-testid="saved-filter"' not in admin.get("/admin/instances").text
    assert admin.post(f"/admin/filters/{filter_id}/delete").status_code == 404


def test_saved_searches_belong_to_their_user(principal_of, web_case):
    from govflow.admin.filters import delete_filter, list_filters, save_filter
    from govflow.errors import NotFound
    admin, other = principal_of("admin").user_id, principal_of("grid1").user_id
    row = save_filter(admin, "逾期", {"overdue": "1", "page": "3", "status": ""})
    assert row.query == "overdue=1"
    assert save_filter(admin, "逾期", {"status": "active"}).id == row.id   # same name: replaced
    assert [f.query for f in list_filters(admin)] == ["status=active"] and list_filters(other) == []
    with pytest.raises(NotFound):
        delete_filter(other, row.id)
    delete_filter(admin, row.id)
    assert list_filters(admin) == []


def test_supervisors_download_their_jurisdiction_masked(page_as, web_app):
    with web_app.app_context():
        from govflow.database import commit, writing
        from govflow.instances.service import start_instance
        with writing():
            start_instance("web_case", "grid_yg_1", {"title": "噪音", "category": "road", "description": "夜间施工",
                                                     "reporter_name": "张三丰", "reporter_phone": "13812345678",
                                                     "location": "阳光小区3号楼2单元501室"}, business_key="BK-P")
            commit()
    admin = ledger(page_as("admin").get("/admin/instances?business_key=BK-P&format=xlsx"))
    assert admin[0][10:] == ("反映人", "联系电话", "地址")
    assert admin[1][10:] == ("张三丰", "13812345678", "阳光小区3号楼2单元501室")
    supervisor = ledger(page_as("supervisor").get("/admin/instances?business_key=BK-P&format=xlsx"))
    assert supervisor[1][3] == "BK-P"
    assert supervisor[1][10:] == ("张**", "138****5678", "阳光小区3号****")
    csv = page_as("supervisor").get("/admin/instances?format=csv").data.decode("utf-8")
    assert "13812345678" not in csv and "138****5678" in csv
    # The supervisor's pages stay closed; only the download is theirs.
    assert page_as("supervisor").get("/admin/instances").status_code == 403


def test_supervisor_sees_only_their_jurisdiction(page_as, web_app):
    with web_app.app_context():
        from govflow.database import commit, writing
        from govflow.identity.service import create_user, grant_role
        with writing():
            grant_role(create_user("sup_xf", "govflow-demo", "督办 幸福"), "supervisor@comm_xingfu")
            commit()
        start_cases()
    rows = ledger(page_as("sup_xf").get("/admin/instances?format=xlsx"))
    assert len(rows) == 1     # the three cases lie in 阳光社区
    assert len(ledger(page_as("supervisor").get("/admin/instances?format=xlsx"))) == 4


def test_dashboard_drills_down_by_unit_and_role(page_as, page_cases):
    admin = page_as("admin")
    page = admin.get("/admin/dashboard")
    assert page.status_code == 200 and 'data-testid="rates"' not in page.text
    assert "/admin/statistics" in page.text
    assert 'data-role="grid_worker"' in page.text and "/admin/instances?role=grid_worker" in page.text
    assert "/admin/instances?task_org=grid_yg_1" in page.text
    by_unit = admin.get("/admin/instances?task_org=grid_yg_1")
    assert by_unit.text.count('data-testid="instance-row"') == 2
    by_role = admin.get("/admin/instances?role=grid_worker")
    assert by_role.text.count('data-testid="instance-row"') == 3
    assert admin.get("/admin/instances?role=department_handler").text.count('data-testid="instance-row"') == 0
    assert admin.get("/admin/instances?task_org=nowhere").status_code == 422


def test_statistics_page_and_downloads(page_as, web_app, page_cases):
    from .test_statistics import add_facts
    with web_app.app_context():
        add_facts(page_cases)
    admin = page_as("admin")
    page = admin.get("/admin/statistics")
    assert page.status_code == 200
    assert 'data-testid="chart-community"' in page.text and "dist/chart.js" in page.text
    assert "admin-charts.js" in page.text and "<script>" not in page.text
    assert "阳光社区" in page.text and "50.0%" in page.text
    assert admin.get("/admin/statistics?from=junk").status_code == 422

    book = load_workbook(io.BytesIO(admin.get("/admin/statistics?format=xlsx").data))
    assert book.sheetnames == ["按社区", "按部门", "按类别", "按月份", "流程阶段", "环节用时"]
    community = list(book["按社区"].values)
    assert community[0] == ("社区", "案件数", "响应率(%)", "解决率(%)", "满意率(%)", "逾期案件数", "平均办理时长(小时)")
    assert ("阳光社区", 2, 50, 50, 50, 1, 15) in community
    month = book["按月份"]["A2"]
    assert month.is_date and month.number_format == "yyyy-mm" and month.value.day == 1
    assert month.value.date() >= date(2026, 1, 1)
    csv = admin.get("/admin/statistics?format=csv")
    assert csv.mimetype == "text/csv" and "按社区" in csv.data.decode("utf-8-sig")


def test_edit_variable_from_the_instance_page(page_as, page_cases):
    admin = page_as("admin")
    url = f"/admin/instances/{page_cases[0]}"
    assert 'data-testid="edit-variable"' in admin.get(url).text
    bad = admin.post(url + "/operations", data={"operation": "edit_variable", "name": "category",
                                                "value": "x", "reason": ""})
    assert bad.status_code == 303 and "reason" in admin.get(url).text
    admin.post(url + "/operations", data={"operation": "edit_variable", "name": "category",
                                          "value": "greening", "reason": "分类更正"})
    page = admin.get(url)
    assert "variable_changed" in page.text and "分类更正" in page.text and "greening" in page.text


def test_staff_navigation_links_the_console_for_administrators_only(page_as, web_app):
    assert 'data-testid="tab-admin"' in page_as("admin").get("/tasks").text
    assert 'data-testid="tab-admin"' not in page_as("grid1").get("/tasks").text


def test_admin_pages_switch_to_english(page_as, page_cases):
    admin = page_as("admin")
    assert "流程实例台账" in admin.get("/admin/instances").text
    admin.get("/lang/en?next=/admin/instances")
    for url, text in (("/admin/instances", "Instance ledger"), ("/admin/dashboard", "Supervision queue"),
                      ("/admin/statistics", "Resolution rate"), (f"/admin/instances/{page_cases[0]}", "Audit trail")):
        page = admin.get(url).text
        assert text in page and "流程实例台账" not in page, url
