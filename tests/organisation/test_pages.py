"""The organisation pages: administrators only, CSRF on every form, the import flow end to end."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from .conftest import xlsx_file

PAGES = ["/admin/org", "/admin/org/users", "/admin/org/users/grid1", "/admin/org/units/grid_yg_1",
         "/admin/org/import", "/admin/org/import/template.xlsx", "/admin/org/import/template-users.csv"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_refuse_non_administrators(page_as, url):
    assert page_as("secretary").get(url).status_code == 403
    assert page_as("admin").get(url).status_code == 200


@pytest.mark.parametrize("url, data", [
    ("/admin/org/units", {"code": "x1", "name": "X", "kind": "grid", "parent": "comm_yangguang"}),
    ("/admin/org/users/grid1/deactivate", {}),
    ("/admin/org/units/grid_yg_1/rename", {"name": "改名"}),
])
def test_writes_refuse_non_administrators_and_missing_csrf(page_as, url, data):
    street = page_as("street")
    street.get("/tasks")  # a page's CSRF token: the refusal is about the role, not the token
    assert street.post(url, data=data).status_code == 403
    admin = page_as("admin")
    assert admin.client.post(url, data=data).status_code == 400  # no CSRF token
    assert admin.get("/admin/org").status_code == 200
    assert "改名" not in admin.get("/admin/org").text


def test_unauthenticated_visitors_are_sent_to_sign_in(web_app):
    response = web_app.test_client().get("/admin/org")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_tree_shows_units_with_user_counts_and_creates_units(page_as):
    admin = page_as("admin")
    html = admin.get("/admin/org").text
    assert 'data-code="grid_yg_1"' in html and "阳光社区第一网格" in html
    response = admin.post("/admin/org/units", data={"code": "grid_yg_9", "name": "第九网格", "kind": "grid",
                                                    "parent": "comm_yangguang"})
    assert response.status_code == 303
    assert "第九网格" in admin.get("/admin/org").text
    bad = admin.post("/admin/org/units", data={"code": "bad code!", "name": "", "kind": "grid"},
                     follow_redirects=True)
    assert "code" in bad.text and "第九网格" in bad.text


def test_user_page_reset_password_shows_a_one_time_password_and_audits(page_as):
    admin = page_as("admin")
    admin.get("/admin/org/users/grid1")
    response = admin.post("/admin/org/users/grid1/password", data={"password": ""})
    assert response.status_code == 200 and 'data-testid="one-time-password"' in response.text
    assert response.headers["Cache-Control"] == "no-store"
    html = admin.get("/admin/org/users/grid1").text
    assert "user.password_reset" in html and 'data-testid="one-time-password"' not in html
    admin.post("/admin/org/users/grid1/update", data={"display_name": "王芳", "phone": "not-a-phone"})
    assert "phone" in admin.get("/admin/org/users/grid1").text
    admin.post("/admin/org/users/grid1/update", data={"display_name": "王芳", "phone": "13900000000"})
    assert "13900000000" in admin.get("/admin/org/users").text


def test_import_preview_then_commit_then_report(page_as):
    admin = page_as("admin")
    admin.get("/admin/org/import")
    data = xlsx_file(units=[["comm_new", "新社区", "street_heping", "社区"], ["bad", "坏", "nowhere", "网格"]],
                     users=[["newbie", "新人", "13800000002", "community_staff@comm_new", ""]])
    preview = admin.post("/admin/org/import", data={"file": (io.BytesIO(data), "org.xlsx")},
                         content_type="multipart/form-data")
    assert preview.status_code == 200 and preview.text.count('data-testid="rejected-row"') == 1
    assert "comm_new" not in admin.get("/admin/org").text  # a dry run: nothing imported yet
    token = preview.text.split("/admin/org/import/")[1].split('"')[0].split("/")[0]
    done = admin.post(f"/admin/org/import/{token}")
    assert done.status_code == 200 and 'data-testid="import-done"' in done.text
    assert "新社区" in admin.get("/admin/org").text and "newbie" in admin.get("/admin/org/users?q=new").text
    report = admin.get(f"/admin/org/import/{token}/report.xlsx")
    rows = list(load_workbook(io.BytesIO(report.data)).active.values)
    assert rows[1][:3] == ("组织单位", 3, "上级单位编码")
    assert admin.post(f"/admin/org/import/{token}").status_code == 409  # not twice
    assert page_as("supervisor").get(f"/admin/org/import/{token}/report.xlsx").status_code == 403


def test_import_refuses_non_spreadsheets_with_a_message(page_as):
    admin = page_as("admin")
    admin.get("/admin/org/import")
    response = admin.post("/admin/org/import", data={"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n\0\0"), "x.xlsx")},
                          content_type="multipart/form-data")
    assert response.status_code == 422 and 'data-testid="import-error"' in response.text


def test_chinese_by_default_english_on_request(page_as):
    admin = page_as("admin")
    html = admin.get("/admin/org/users").text
    assert "组织管理" in html and "姓名" in html and "Full name" not in html
    admin.get("/lang/en")
    html = admin.get("/admin/org/users").text
    assert "Organisation" in html and "Full name" in html and "组织管理" not in html
