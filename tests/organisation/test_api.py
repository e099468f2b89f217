"""The organisation REST API: administrators only, same rules as the pages, in the OpenAPI document."""
from __future__ import annotations

import io

import pytest

from .conftest import USER_HEADERS, csv_file, xlsx_file

ADMIN_CALLS = [("get", "/users", None), ("get", "/users/grid1", None),
               ("post", "/org-units", {"code": "x", "name": "X", "kind": "grid", "parent": "comm_yangguang"}),
               ("patch", "/org-units/grid_yg_1", {"name": "X"}), ("post", "/users/grid1/unlock", None),
               ("post", "/users", {"username": "xx", "display_name": "X"}),
               ("post", "/users/grid1/grants", {"grant": "admin@demo_district"})]


def _call(api, method, url, body=None):
    return getattr(api.client, method)("/api/v1" + url, json=body, headers=api.headers)


@pytest.mark.parametrize("method, url, body", ADMIN_CALLS)
def test_non_administrators_get_403(api_as, method, url, body):
    assert _call(api_as("secretary"), method, url, body).status_code == 403


def test_org_units_list_stays_open_to_every_caller(api_as):
    units = api_as("grid1").get("/org-units").json
    assert {"code": "grid_yg_1", "name": "阳光社区第一网格", "kind": "grid", "parent": "comm_yangguang"} in units


def test_units_users_and_grants_round_trip(api_as):
    api = api_as("admin")
    created = api.post("/org-units", {"code": "comm_api", "name": "接口社区", "kind": "community",
                                      "parent": "street_heping"})
    assert created.status_code == 201 and created.json["parent"] == "street_heping"
    assert api.post("/org-units", {"code": "comm_api", "name": "again", "kind": "community"}).status_code == 422
    moved = _call(api, "patch", "/org-units/comm_api", {"parent": "demo_district", "name": "接口社区2"})
    assert moved.json == {"code": "comm_api", "name": "接口社区2", "kind": "community", "parent": "demo_district",
                          "is_active": True}
    user = api.post("/users", {"username": "apiuser", "display_name": "接口用户", "phone": "13800000003",
                               "grants": ["community_staff@comm_api"]})
    assert user.status_code == 201 and len(user.json["one_time_password"]) == 12
    bad = api.post("/users", {"username": "bad user", "display_name": "X", "phone": "123"})
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"username", "phone"}
    grant = api.post("/users/apiuser/grants", {"grant": "party_member@comm_api"})
    assert sorted(g["role"] for g in grant.json["grants"]) == ["community_staff", "party_member"]
    gid = grant.json["grants"][0]["id"]
    after = _call(api, "delete", f"/users/apiuser/grants/{gid}")
    assert len(after.json["grants"]) == 1
    off = _call(api, "patch", "/users/apiuser", {"is_active": False})
    assert off.json["is_active"] is False
    page = api.get("/users?q=apiuser").json
    assert page["total"] == 1 and page["items"][0]["username"] == "apiuser"
    assert _call(api, "patch", "/org-units/comm_api", {"is_active": False}).json["is_active"] is False
    assert api.post("/users/apiuser/grants", {"grant": "party_member@comm_api"}).status_code == 422


def test_import_endpoint_dry_run_then_import(api_as):
    api = api_as("admin")
    data = xlsx_file(units=[["comm_imp", "导入社区", "street_heping", "社区"]],
                     users=[["impuser", "导入用户", "", "community_staff@comm_imp", ""],
                            ["bad", "=HYPERLINK(\"http://x\")", "", "", ""]])

    def upload(dry_run, content=data):
        return api.client.post(f"/api/v1/org-imports?dry_run={dry_run}", headers=api.headers,
                               data={"file": (io.BytesIO(content), "org.xlsx")}, content_type="multipart/form-data")
    preview = upload("true")
    assert preview.status_code == 200
    assert preview.json["units"] == ["comm_imp"] and preview.json["users"] == ["impuser"]
    assert preview.json["rejected"] == [{"sheet": "用户", "row": 3, "column": "姓名",
                                         "reason": "以公式符号开头（=、+、-、@），不予导入",
                                         "value": "=HYPERLINK(\"http://x\")"}]
    assert "comm_imp" not in {u["code"] for u in api.get("/org-units").json}
    assert upload("false").json["dry_run"] is False
    assert "comm_imp" in {u["code"] for u in api.get("/org-units").json}
    again = upload("true").json
    assert again["units"] == [] and again["rejected"][0]["reason"] == "系统中已存在"
    gbk = upload("true", csv_file(USER_HEADERS, [["gbkuser", "中文姓名", "", "", ""]], "gbk")).json
    assert gbk["users"] == ["gbkuser"]
    refused = upload("true", b"%PDF-1.4\n\0\0")
    assert refused.status_code == 422 and "不是表格文件" in refused.json["errors"]["file"][0]
    assert api_as("grid1").client.post("/api/v1/org-imports", headers=api_as("grid1").headers,
                                       data={"file": (io.BytesIO(data), "org.xlsx")},
                                       content_type="multipart/form-data").status_code == 403


def test_endpoints_are_in_the_openapi_document(app, org):
    paths = app.test_client().get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/org-units", "/api/v1/org-units/{code}", "/api/v1/users", "/api/v1/users/{username}",
                 "/api/v1/users/{username}/grants", "/api/v1/org-imports"):
        assert path in paths, path


def test_password_reset_unlock_and_token_revocation(api_as):
    api, victim = api_as("admin"), api_as("grid2")
    assert victim.get("/tasks").status_code == 200
    reset = api.post("/users/grid2/password", {})
    assert reset.status_code == 200 and len(reset.json["one_time_password"]) == 12
    assert api.post("/users/grid2/password", {"password": "short"}).status_code == 422
    assert api.post("/users/grid2/unlock").json["is_locked"] is False
    from sqlalchemy import select

    from govflow.extensions import db
    from govflow.identity.models import ApiToken
    token_id = db.session.scalar(select(ApiToken.id).join(ApiToken.user).where(ApiToken.user.has(username="grid2")))
    assert _call(api, "delete", f"/users/grid2/tokens/{token_id}").status_code == 204
    assert victim.get("/tasks").status_code == 401
    assert _call(api, "delete", f"/users/grid1/tokens/{token_id}").status_code == 404
