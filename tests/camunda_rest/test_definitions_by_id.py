"""Deployments keep their names; process definitions answer by Camunda's ids
(``key:version:row``) as they do by key, and an id that does not match is 404."""
from __future__ import annotations

import io

from .conftest import FIXTURES


def _deploy(api, name, content=None):
    data = content if content is not None else (FIXTURES / "intake.bpmn").read_bytes()
    return api.post("/deployment/create", data={
        "deployment-name": name, "deployment-source": "Camunda Modeler",
        "data": (io.BytesIO(data), "intake.bpmn")}, content_type="multipart/form-data")


def test_the_deployment_name_is_stored_and_listed(engine_rest, api_as):
    designer = engine_rest("designer")
    first = _deploy(designer, "来电登记 v1")
    assert first.status_code == 200 and first.json["name"] == "来电登记 v1"
    assert designer.get(f"/deployment/{first.json['id']}").json["name"] == "来电登记 v1"
    assert [d["name"] for d in designer.get("/deployment").json] == ["来电登记 v1"]
    assert designer.get("/deployment/999999").status_code == 404
    assert engine_rest("grid1").get(f"/deployment/{first.json['id']}").status_code == 403
    assert _deploy(designer, "x" * 256).status_code == 400

    v1 = api_as("designer").client.post("/api/v1/deployments", headers=api_as("designer").headers, data={
        "name": "经 /api/v1 部署",
        "file": (io.BytesIO((FIXTURES / "geocode.bpmn").read_bytes()), "geocode.bpmn")},
        content_type="multipart/form-data")
    assert v1.status_code == 201 and v1.json["name"] == "经 /api/v1 部署", v1.json
    assert designer.get(f"/deployment/{v1.json['deployment_id']}").json["name"] == "经 /api/v1 部署"


def test_definitions_answer_by_the_ids_they_are_listed_with(engine_rest):
    designer = engine_rest("designer")
    _deploy(designer, "v1")
    changed = (FIXTURES / "intake.bpmn").read_bytes().replace(b'name="\xe6\x9d\xa5\xe7\x94\xb5\xe7\x99\xbb\xe8\xae\xb0"',
                                                             b'name="\xe6\x9d\xa5\xe7\x94\xb5\xe7\x99\xbb\xe8\xae\xb0 2"', 1)
    assert changed != (FIXTURES / "intake.bpmn").read_bytes()
    second = _deploy(designer, "v2", changed)
    (latest_id,) = second.json["deployedProcessDefinitions"]
    grid1 = engine_rest("grid1")
    (listed,) = grid1.get("/process-definition?key=intake").json
    assert listed["id"] == latest_id == grid1.get("/process-definition/key/intake").json["id"]
    key, version, row = latest_id.split(":")
    assert (key, version) == ("intake", "2")
    assert grid1.get(f"/process-definition/{latest_id}").json == listed
    assert grid1.get(f"/process-definition/{latest_id}/xml").json["id"] == latest_id
    assert "title" in grid1.get(f"/process-definition/{latest_id}/form-variables").json

    old_id = f"intake:1:{int(row) - 1}"
    assert grid1.get(f"/process-definition/{old_id}").json["version"] == 1
    started = grid1.post(f"/process-definition/{old_id}/start", {
        "variables": {"title": {"value": "旧版本", "type": "String"}}})
    assert started.status_code == 200, started.json
    assert started.json["definitionId"] == old_id
    assert grid1.get(f"/process-instance/{started.json['id']}").json["definitionId"] == old_id
    # Its tasks, live and historic, name the version they run on, as Camunda's do.
    tasks = grid1.get(f"/task?processInstanceId={started.json['id']}").json
    assert tasks and {t["processDefinitionId"] for t in tasks} == {old_id}
    history = grid1.get(f"/history/task?processInstanceId={started.json['id']}").json
    assert history and {t["processDefinitionId"] for t in history} == {old_id}
    for wrong in (f"intake:3:{row}", f"geocode:2:{row}", "intake", "intake:2", "intake:x:1", "::", "a:1:99999999999999"):
        r = grid1.get(f"/process-definition/{wrong}")
        assert r.status_code == 404 and r.json["type"], wrong
        assert grid1.post(f"/process-definition/{wrong}/start", {}).status_code == 404
