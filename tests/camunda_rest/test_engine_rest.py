"""/engine-rest answers as Camunda 7's REST API does, under GovFlow's rules."""
from __future__ import annotations

import io

from .conftest import FIXTURES


def _modeler_deploy(api, name="intake.bpmn"):
    """The request Camunda Modeler sends."""
    return api.post("/deployment/create", data={
        "deployment-name": "来电登记", "deployment-source": "Camunda Modeler", "deploy-changed-only": "true",
        name: (io.BytesIO((FIXTURES / name).read_bytes()), name)}, content_type="multipart/form-data")


def _start(api, variables=None, business_key="BK-1"):
    return api.post("/process-definition/key/intake/start", {
        "businessKey": business_key,
        "variables": variables or {"title": {"value": "路灯", "type": "String"},
                                   "urgent": {"value": True, "type": "Boolean"}}})


def test_modeler_deploys_and_only_designers_may(engine_rest):
    r = _modeler_deploy(engine_rest("designer"))
    assert r.status_code == 200, r.json
    (definition,) = r.json["deployedProcessDefinitions"].values()
    assert definition["key"] == "intake" and definition["version"] == 1 and r.json["name"] == "来电登记"
    assert r.json["source"] == "Camunda Modeler" and r.json["deployedDecisionDefinitions"] is None
    again = _modeler_deploy(engine_rest("designer"))
    assert again.status_code == 200 and again.json["deployedProcessDefinitions"] is None  # unchanged
    refused = _modeler_deploy(engine_rest("grid1"))
    assert refused.status_code == 403 and refused.json["type"] == "AuthorizationException"
    assert [d["id"] for d in engine_rest("admin").get("/deployment").json] == [again.json["id"], r.json["id"]]


def test_errors_have_camunda_bodies(engine_rest, deploy_api_fixture):
    deploy_api_fixture("intake.bpmn")
    r = engine_rest("grid1", password="wrong").get("/task")
    assert r.status_code == 401 and r.json["type"] == "AuthenticationException"
    assert r.headers["WWW-Authenticate"].startswith("Basic")
    grid1 = engine_rest("grid1", token=True)
    r = grid1.get("/process-definition/key/nope")
    assert r.status_code == 404 and set(r.json) >= {"type", "message"}
    assert grid1.get("/task/abc").status_code == 404
    bad = grid1.post("/process-definition/key/intake/start", data="[1", content_type="application/json")
    assert bad.status_code == 400 and bad.json["type"] == "InvalidRequestException"


def _two_units(username):
    from govflow.database import commit, writing
    from govflow.identity.service import create_user, grant_role
    with writing():
        user = create_user(username, "govflow-demo")
        grant_role(user, "grid_worker@grid_yg_1")
        grant_role(user, "grid_worker@grid_yg_2")
        commit()


def test_start_work_and_follow_a_case(engine_rest, deploy_api_fixture):
    deploy_api_fixture("intake.bpmn")
    grid1 = engine_rest("grid1")
    _two_units("twogrids")
    r = _start(engine_rest("twogrids"))
    assert r.status_code == 400 and "org_unit" in r.json["message"]
    r = _start(engine_rest("twogrids"), {"title": {"value": "t", "type": "String"},
                                         "org_unit": {"value": "grid_yg_2", "type": "String"}}, "BK-2")
    assert r.status_code == 200, r.json
    r = _start(grid1, {"title": {"value": "x" * 51, "type": "String"}})
    assert r.status_code == 400 and "title" in r.json["message"]
    started = _start(grid1)
    assert started.status_code == 200, started.json
    instance_id = started.json["id"]
    assert started.json["businessKey"] == "BK-1" and started.json["definitionId"].startswith("intake:1:")
    form = grid1.get("/process-definition/key/intake/form-variables").json
    assert form["urgent"]["type"] == "Boolean" and form["title"]["type"] == "String"
    assert "bpmn20Xml" in grid1.get("/process-definition/key/intake/xml").json
    (task,) = grid1.get(f"/task?processInstanceId={instance_id}").json
    assert task["taskDefinitionKey"] == "verify" and task["assignee"] is None
    assert grid1.get("/task?candidateGroup=grid_worker").json[0]["id"] == task["id"]
    assert engine_rest("grid3").get(f"/task/{task['id']}").status_code == 404
    assert grid1.post(f"/task/{task['id']}/claim", {"userId": "grid1"}).status_code == 204
    assert grid1.get("/task?assignee=grid1").json[0]["assignee"] == "grid1"
    r = grid1.post(f"/task/{task['id']}/comment/create", {"message": "已核实"})
    assert r.status_code == 200 and r.json["userId"] == "grid1"
    assert [c["message"] for c in grid1.get(f"/task/{task['id']}/comment").json] == ["已核实"]
    fields = grid1.get(f"/task/{task['id']}/form-variables").json
    assert set(fields) == {"approved", "visits"}
    r = grid1.post(f"/task/{task['id']}/complete", {"variables": {"approved": {"value": "yes", "type": "Boolean"}}})
    assert r.status_code == 400 and "approved" in r.json["message"]
    r = grid1.post(f"/task/{task['id']}/complete", {"variables": {
        "approved": {"value": True, "type": "Boolean"}, "visits": {"value": 3, "type": "Long"}},
        "withVariablesInReturn": True})
    assert r.status_code == 200 and r.json["visits"] == {"type": "Integer", "value": 3, "valueInfo": {}}
    variables = grid1.get(f"/process-instance/{instance_id}/variables").json
    assert variables["title"]["value"] == "路灯"
    assert [i["id"] for i in grid1.get("/process-instance?businessKey=BK-1").json] == [instance_id]
    assert engine_rest("grid3").get(f"/process-instance/{instance_id}").status_code == 404
    nowhere = engine_rest("grid3").post("/message", {"messageName": "intake_reply", "businessKey": "BK-1"})
    assert nowhere.status_code == 400  # outside grid3's jurisdiction: as if nothing waited
    r = grid1.post("/message", {"messageName": "intake_reply", "businessKey": "BK-1", "resultEnabled": True,
                                "processVariables": {"reply": {"value": '{"ok": true}', "type": "Json"}}})
    assert r.status_code == 200 and r.json[0]["processInstance"]["id"] == instance_id, r.json
    history = grid1.get(f"/history/process-instance/{instance_id}").json
    assert history["state"] == "COMPLETED" and history["startUserId"] == "grid1"
    steps = grid1.get(f"/history/task?processInstanceId={instance_id}").json
    assert [(s["taskDefinitionKey"], s["deleteReason"]) for s in steps] == [("verify", "completed")]


def test_administrators_suspend_and_delete(engine_rest, deploy_api_fixture):
    deploy_api_fixture("intake.bpmn")
    instance_id = _start(engine_rest("grid1")).json["id"]
    assert engine_rest("grid1").put(f"/process-instance/{instance_id}/suspended",
                                     {"suspended": True}).status_code == 403
    admin = engine_rest("admin", token=True)
    assert admin.put(f"/process-instance/{instance_id}/suspended", {"suspended": True}).status_code == 204
    assert admin.get(f"/history/process-instance/{instance_id}").json["state"] == "SUSPENDED"
    assert admin.get(f"/process-instance/{instance_id}").json["suspended"] is True
    assert admin.put(f"/process-instance/{instance_id}/suspended", {"suspended": "no"}).status_code == 400
    assert admin.delete(f"/process-instance/{instance_id}").status_code == 204
    assert admin.get(f"/history/process-instance/{instance_id}").json["state"] == "EXTERNALLY_TERMINATED"
