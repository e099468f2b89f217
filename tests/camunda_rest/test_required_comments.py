"""A step whose 审批意见 is required (camunda:property comment_required) completes over
/engine-rest the Camunda way: POST /task/{id}/comment/create, then complete. Without
the caller's own comment the completion is a 400 with Camunda's error body."""
from __future__ import annotations


def _waiting_task(api, deploy_api_fixture):
    deploy_api_fixture("approval.bpmn")
    instance = api.post("/process-definition/key/approval/start", {}).json
    (task,) = api.get(f"/task?processInstanceId={instance['id']}").json
    return instance["id"], task["id"]


def test_complete_needs_the_callers_comment_first(engine_rest, deploy_api_fixture):
    grid1 = engine_rest("grid1")
    instance_id, task_id = _waiting_task(grid1, deploy_api_fixture)
    done = {"variables": {"approved": {"value": True, "type": "Boolean"}}}
    refused = grid1.post(f"/task/{task_id}/complete", done)
    assert refused.status_code == 400, refused.json
    assert refused.json["type"] == "InvalidRequestException" and "comment" in refused.json["message"]
    # a comment by someone else (an administrator) does not count
    other = engine_rest("admin")
    assert other.post(f"/task/{task_id}/comment/create", {"message": "请核实"}).status_code == 200
    assert grid1.post(f"/task/{task_id}/complete", done).status_code == 400
    assert grid1.post(f"/task/{task_id}/comment/create", {"message": "   "}).status_code == 400
    commented = grid1.post(f"/task/{task_id}/comment/create", {"message": "同意，按程序办理"})
    assert commented.status_code == 200, commented.json
    assert grid1.post(f"/task/{task_id}/complete", done).status_code == 204
    assert grid1.get(f"/history/process-instance/{instance_id}").json["state"] == "COMPLETED"
    messages = [c["message"] for c in grid1.get(f"/task/{task_id}/comment").json]
    assert messages == ["请核实", "同意，按程序办理"]


def test_api_v1_takes_the_comment_with_the_completion(api_as, engine_rest, deploy_api_fixture):
    _instance_id, task_id = _waiting_task(engine_rest("grid1"), deploy_api_fixture)
    v1 = api_as("grid1")
    r = v1.post(f"/tasks/{task_id}/complete", {"variables": {"approved": True}})
    assert r.status_code == 422 and "comment" in r.json["errors"], r.json
    r = v1.post(f"/tasks/{task_id}/complete", {"variables": {"approved": True}, "comment": "同意"})
    assert r.status_code == 200, r.json
