"""``/external-task/{id}/bpmnError`` as Camunda 7 treats it: an error boundary event
attached to the external task catches the error by its code (or a boundary without
errorRef catches any), with the request's variables set; uncaught, an incident."""
from __future__ import annotations

import pytest


@pytest.fixture
def verifying(engine_rest, deploy_api_fixture):
    """A verify_id instance waiting for its worker, and the worker's locked task."""
    deploy_api_fixture("verify_id.bpmn")
    grid1 = engine_rest("grid1")

    def start():
        started = grid1.post("/process-definition/key/verify_id/start", {"businessKey": "VID-1"})
        assert started.status_code == 200, started.json
        fetched = grid1.post("/external-task/fetchAndLock", {
            "workerId": "police", "maxTasks": 1, "topics": [{"topicName": "verify-id", "lockDuration": 60_000}]})
        (task,) = fetched.json
        assert task["processInstanceId"] == started.json["id"]
        return started.json["id"], task["id"]
    return grid1, start


def _open_tasks(api, instance_id):
    return [t["taskDefinitionKey"] for t in api.get(f"/task?processInstanceId={instance_id}").json]


def test_an_error_code_is_caught_by_its_boundary_event_with_the_variables(verifying):
    api, start = verifying
    instance_id, task_id = start()
    r = api.post(f"/external-task/{task_id}/bpmnError", {
        "workerId": "police", "errorCode": "ID_INVALID", "errorMessage": "证件号校验位错误",
        "variables": {"reason": {"value": "checksum", "type": "String"}, "score": {"value": 3, "type": "Integer"}}})
    assert r.status_code == 204, r.json
    assert _open_tasks(api, instance_id) == ["Activity_recheck"]
    variables = api.get(f"/process-instance/{instance_id}/variables").json
    assert variables["reason"]["value"] == "checksum" and variables["score"]["value"] == 3
    # the external task is gone: no worker can fetch or complete it any more
    assert api.post("/external-task/fetchAndLock", {"workerId": "police", "topics": [
        {"topicName": "verify-id", "lockDuration": 1000}]}).json == []
    assert api.post(f"/external-task/{task_id}/complete", {"workerId": "police"}).status_code == 404


def test_another_code_is_caught_by_the_catch_all_boundary(verifying):
    api, start = verifying
    instance_id, task_id = start()
    r = api.post(f"/external-task/{task_id}/bpmnError", {"workerId": "police", "errorCode": "SERVICE_DOWN"})
    assert r.status_code == 204, r.json
    assert _open_tasks(api, instance_id) == ["Activity_manual"]
    (task,) = api.get(f"/task?processInstanceId={instance_id}").json
    assert api.post(f"/task/{task['id']}/claim", {"userId": "grid1"}).status_code == 204
    assert api.post(f"/task/{task['id']}/complete", {}).status_code in (200, 204)
    assert api.get(f"/history/process-instance/{instance_id}").json["state"] == "COMPLETED"


def test_an_uncaught_error_is_an_incident(engine_rest, deploy_api_fixture, api_as):
    deploy_api_fixture("geocode.bpmn")
    api = engine_rest("grid1")
    instance_id = api.post("/process-definition/key/geocode/start", {}).json["id"]
    (task,) = api.post("/external-task/fetchAndLock", {
        "workerId": "w", "topics": [{"topicName": "geocode", "lockDuration": 60_000}]}).json
    r = api.post(f"/external-task/{task['id']}/bpmnError", {"workerId": "w", "errorCode": "NOT_FOUND",
                                                            "errorMessage": "no such address"})
    assert r.status_code == 204, r.json
    instance = api_as("admin").get(f"/process-instances/{instance_id}").json
    assert instance["status"] == "error"
    assert "NOT_FOUND" in instance["incidents"][0]["message"]


def test_bad_bpmn_error_bodies_are_400(verifying):
    api, start = verifying
    _instance_id, task_id = start()
    for body in ({"workerId": "police"}, {"workerId": "police", "errorCode": 5},
                 {"workerId": "police", "errorCode": "X", "variables": {"a": {"value": "x", "type": "Integer"}}}):
        r = api.post(f"/external-task/{task_id}/bpmnError", body)
        assert r.status_code == 400 and r.json["type"] == "InvalidRequestException", (body, r.json)
    assert api.post(f"/external-task/{task_id}/bpmnError",
                    {"workerId": "other", "errorCode": "X"}).status_code == 409
