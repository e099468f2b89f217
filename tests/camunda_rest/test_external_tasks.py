"""External tasks over /engine-rest: fetch and lock within one's jurisdiction,
complete, fail with retries and into an incident, extend and give up locks."""
from __future__ import annotations

import pytest


@pytest.fixture
def waiting(engine_rest, deploy_api_fixture):
    """A geocode instance in 阳光一网格 waiting at its external task; (instance id, worker client)."""
    deploy_api_fixture("geocode.bpmn")
    grid1 = engine_rest("grid1", token=True)
    started = grid1.post("/process-definition/key/geocode/start", {
        "variables": {"address": {"value": "阳光路1号", "type": "String"}}})
    assert started.status_code == 200, started.json
    return started.json["id"], grid1


def _fetch(api, worker="w1", timeout=0, variables=None):
    topic = {"topicName": "geocode", "lockDuration": 10_000}
    if variables is not None:
        topic["variables"] = variables
    r = api.post("/external-task/fetchAndLock", {"workerId": worker, "maxTasks": 5, "topics": [topic],
                                                 "asyncResponseTimeout": timeout})
    assert r.status_code == 200, r.json
    return r.json


def test_a_worker_completes_and_the_process_goes_on(waiting, engine_rest):
    instance_id, grid1 = waiting
    assert _fetch(engine_rest("grid3", token=True)) == []  # outside grid3's jurisdiction
    (task,) = _fetch(grid1, variables=["address"])
    assert task["topicName"] == "geocode" and task["processInstanceId"] == instance_id
    assert task["variables"] == {"address": {"type": "String", "value": "阳光路1号", "valueInfo": {}}}
    assert _fetch(grid1, worker="w2") == []  # locked
    assert engine_rest("grid3", token=True).post(f"/external-task/{task['id']}/complete",
                                                 {"workerId": "w1"}).status_code == 404
    r = grid1.post(f"/external-task/{task['id']}/complete", {"workerId": "w2"})
    assert r.status_code == 409 and r.json["type"]
    r = grid1.post(f"/external-task/{task['id']}/complete", {
        "workerId": "w1", "variables": {"lat": {"value": 39.9, "type": "Double"}}})
    assert r.status_code == 204, r.json
    (user_task,) = grid1.get(f"/task?processInstanceId={instance_id}").json
    assert user_task["taskDefinitionKey"] == "check"
    assert grid1.get(f"/process-instance/{instance_id}/variables").json["lat"]["value"] == 39.9


def test_failures_retry_then_become_an_incident(waiting, api_as):
    instance_id, grid1 = waiting
    (task,) = _fetch(grid1)
    r = grid1.post(f"/external-task/{task['id']}/failure", {"workerId": "w1", "errorMessage": "timeout",
                                                            "retries": 1, "retryTimeout": 0})
    assert r.status_code == 204, r.json
    (again,) = _fetch(grid1)
    assert again["retries"] == 1 and again["errorMessage"] == "timeout"
    assert grid1.post(f"/external-task/{again['id']}/extendLock",
                      {"workerId": "w1", "newDuration": 60_000}).status_code == 204
    assert grid1.post(f"/external-task/{again['id']}/unlock").status_code == 204
    (third,) = _fetch(grid1, worker="w2")
    r = grid1.post(f"/external-task/{third['id']}/failure", {"workerId": "w2", "errorMessage": "down",
                                                             "retries": 0, "retryTimeout": 0})
    assert r.status_code == 204
    assert _fetch(grid1) == []
    instance = api_as("admin").get(f"/process-instances/{instance_id}").json
    assert instance["status"] == "error" and "down" in instance["incidents"][0]["message"]
    retried = api_as("admin").post(f"/incidents/{instance['incidents'][0]['id']}/retry")
    assert retried.status_code == 200, retried.json
    assert len(_fetch(grid1)) == 1  # waits for a worker again


def test_long_polling_is_bounded_and_bad_bodies_are_400(waiting):
    _instance_id, grid1 = waiting
    _fetch(grid1)
    import time
    began = time.monotonic()
    assert _fetch(grid1, worker="w2", timeout=1500) == []
    assert time.monotonic() - began < 25
    for body in ({}, {"workerId": "w"}, {"workerId": "w", "topics": [{"topicName": "g"}]},
                 {"workerId": "w", "topics": "x"}, {"workerId": 1, "topics": []}):
        r = grid1.post("/external-task/fetchAndLock", body)
        assert r.status_code == 400 and r.json["type"] == "InvalidRequestException", (body, r.json)
