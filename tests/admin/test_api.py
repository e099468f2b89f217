"""The admin console's REST API: every operation, batch migration, saved searches and
statistics — administrators only, JSON errors, documented in the OpenAPI description."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from govflow.extensions import db
from govflow.worklist.models import HumanTask

from .conftest import start_cases

OPERATION_URLS = [("post", "/admin/instances/1/operations"), ("post", "/admin/instances/migrate"),
                  ("get", "/admin/filters"), ("post", "/admin/filters"), ("get", "/admin/statistics"),
                  ("get", "/admin/statistics?format=xlsx")]


@pytest.mark.parametrize("method,url", OPERATION_URLS)
@pytest.mark.parametrize("user", ["grid1", "supervisor"])
def test_admin_api_refuses_non_administrators(api_as, method, url, user):
    client = api_as(user)
    response = client.get(url) if method == "get" else client.post(url, json={"operation": "suspend",
                                                                                 "reason": "x"})
    assert response.status_code == 403 and response.is_json


def test_operations_over_rest(api_as, web_case):
    ids = start_cases()
    admin = api_as("admin")
    url = f"/admin/instances/{ids[0]}/operations"
    missing = admin.post(url, json={"operation": "suspend"})
    assert missing.status_code == 422 and "reason" in str(missing.json)
    assert admin.post(url, json={"operation": "explode", "reason": "x"}).status_code == 422
    done = admin.post(url, json={"operation": "suspend", "reason": "等待批示"})
    assert done.status_code == 200 and done.json["status"] == "suspended"
    assert admin.post(url, json={"operation": "suspend", "reason": "again"}).status_code == 409
    assert admin.post(url, json={"operation": "resume", "reason": "批示已到"}).json["status"] == "active"

    edited = admin.post(url, json={"operation": "edit_variable", "reason": "更正", "name": "category",
                                   "value": "sanitation"})
    assert edited.status_code == 200 and edited.json["variables"]["category"] == "sanitation"
    wrong = admin.post(url, json={"operation": "edit_variable", "reason": "更正", "name": "category", "value": 3})
    assert wrong.status_code == 422 and "value" in wrong.json["errors"]

    task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == ids[0]))
    moved = admin.post(url, json={"operation": "reassign", "reason": "调岗", "task_id": task.id, "username": "grid2"})
    assert moved.status_code == 200
    events = admin.get(f"/process-instances/{ids[0]}/events").json
    kinds = [e["kind"] for e in events]
    assert {"instance_suspended", "instance_resumed", "variable_changed", "task_reassigned"} <= set(kinds)
    assert admin.post("/admin/instances/999999/operations",
                      json={"operation": "suspend", "reason": "x"}).status_code == 404
    assert admin.post(url, json={"operation": "terminate", "reason": "重复"}).json["status"] == "terminated"


def test_batch_migration_over_rest(api_as, web_case):
    from tests.admin.test_changes import WEB_CASE, deploy_version
    ids = start_cases()
    deploy_version(WEB_CASE.replace('name="现场核实"', 'name="核实"'))
    admin = api_as("admin")
    report = admin.post("/admin/instances/migrate", json={"process_key": "web_case", "reason": "升级",
                                                          "instance_ids": ids + [424242]})
    assert report.status_code == 200
    assert report.json["target_version"] == 2 and report.json["migrated"] == ids
    assert "424242" in report.json["refused"]
    no_reason = admin.post("/admin/instances/migrate", json={"process_key": "web_case", "instance_ids": ids})
    assert no_reason.status_code == 422
    unknown = admin.post("/admin/instances/migrate", json={"process_key": "nope", "reason": "r",
                                                           "instance_ids": ids})
    assert unknown.status_code == 404 and unknown.is_json


def test_saved_filters_and_search_over_rest(api_as, web_case):
    start_cases()
    admin = api_as("admin")
    created = admin.post("/admin/filters", json={"name": "道路", "query": "var_name=category&var_value=road&page=4"})
    assert created.status_code == 201 and created.json["query"] == "var_name=category&var_value=road"
    assert [f["name"] for f in admin.get("/admin/filters").json] == ["道路"]
    found = admin.get("/admin/instances?" + created.json["query"])
    assert sorted(r["business_key"] for r in found.json) == ["BK-1", "BK-3"]
    assert admin.get("/admin/instances?role=grid_worker&task_org=grid_yg_2").json[0]["business_key"] == "BK-3"
    assert admin.client.delete(f"/api/v1/admin/filters/{created.json['id']}", headers=admin.headers).status_code == 204
    assert admin.client.delete(f"/api/v1/admin/filters/{created.json['id']}", headers=admin.headers).status_code == 404
    assert admin.post("/admin/filters", json={"name": "", "query": ""}).status_code == 422


def test_statistics_and_masked_export_over_rest(api_as, web_case):
    from .test_statistics import add_facts
    add_facts(start_cases())
    admin = api_as("admin")
    stats = admin.get("/admin/statistics")
    assert stats.status_code == 200
    community = {r["key"]: r for r in stats.json["cases"]["community"]}
    assert community["comm_yangguang"]["response_rate"] == 50.0
    assert admin.get("/admin/statistics?from=soon").status_code == 422
    book = load_workbook(io.BytesIO(admin.get("/admin/statistics?format=xlsx").data))
    assert "按月份" in book.sheetnames
    # Supervisors get the ledger export, masked; administrators in full.
    supervisor = api_as("supervisor").get("/admin/instances/export")
    assert supervisor.status_code == 200
    assert len(list(load_workbook(io.BytesIO(supervisor.data)).active.values)) == 4


def test_admin_api_is_documented(api_as, org):
    spec = api_as("admin").client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    for path in ("/api/v1/admin/instances/{instance_id}/operations", "/api/v1/admin/instances/migrate",
                 "/api/v1/admin/filters", "/api/v1/admin/filters/{filter_id}", "/api/v1/admin/statistics"):
        assert path in paths, path
    assert "edit_variable" in str(spec["components"]["schemas"]["Operation"])
