"""No /engine-rest call answers 500: every route × hostile ids, bodies and parameters."""
from __future__ import annotations

import re

import pytest

IDS = ["0", "-1", "99999999999999999999", "abc", "1.5", "%00", "' OR 1=1 --"]
BODIES = [None, "", "[]", "null", "1", '"x"', '{"variables": []}', '{"variables": {"a": 1}}',
          '{"variables": {"a": {"value": [1], "type": "Long"}}}', '{"variables": {"__x": {"value": 1}}}',
          '{"variables": {"a": {"value": "x", "type": "Object"}}}', '{"variables": {"a": {"value": "{", "type": "Json"}}}',
          '{"variables": {"a": {"value": "nope", "type": "Date"}}}', '{"workerId": "w", "topics": [{"topicName": 1}]}',
          '{"workerId": "w", "retries": -1, "retryTimeout": 1e99}', '{"messageName": "", "processInstanceId": 5}',
          '{"messageName": "m", "processInstanceId": "x"}', '{"suspended": "yes"}', '{"userId": ["a"]}',
          '{"businessKey": {"a": 1}}', '{"message": 5}', '{"newDuration": true, "workerId": "w"}']
QUERIES = ["", "?firstResult=-1", "?maxResults=x", "?processInstanceId=abc", "?assignee=%00",
           "?candidateUser=other", "?processDefinitionKey=" + "k" * 500]


@pytest.mark.slow
def test_hostile_requests_never_answer_500(app, engine_rest, deploy_api_fixture):
    deploy_api_fixture("intake.bpmn", "geocode.bpmn")
    callers = [engine_rest("admin", token=True), engine_rest("grid1", token=True)]
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/engine-rest/")]
    checked, problems = 0, []
    for rule in rules:
        for method in sorted(rule.methods & {"GET", "POST", "PUT", "DELETE"}):
            for value in IDS if rule.arguments else [None]:
                path = re.sub(r"<[^>]+>", value or "", rule.rule)[len("/engine-rest"):]
                bodies = BODIES if method in ("POST", "PUT") else [None]
                for caller in callers:
                    for body in bodies:
                        for query in QUERIES if method == "GET" else [""]:
                            r = caller.client.open("/engine-rest" + path + query, method=method,
                                                   headers=caller.headers, data=body,
                                                   content_type="application/json")
                            checked += 1
                            if r.status_code >= 500 or (r.status_code >= 400 and "type" not in (r.json or {})):
                                problems.append(f"{method} {path}{query} {body!r}: {r.status_code} {r.data[:200]!r}")
    assert checked > 1000 and not problems, "\n".join(problems[:30])


#: Bodies that get past the id lookup of a real object: wrong types, huge numbers,
#: deep nesting, bad typed values, over-long strings — each must be a 4xx (or a success).
REAL_BODIES = ["{", "not json", "[" * 5000 + "]" * 5000, '{"workerId": "w"}',
               '{"workerId": "w", "retries": 1e400, "retryTimeout": -5}',
               '{"workerId": "w", "retries": 99999999999999999999999, "retryTimeout": 0}',
               '{"workerId": "w", "newDuration": 99999999999999999999999}',
               '{"workerId": "w", "newDuration": "10"}', '{"workerId": ["w"]}', '{"workerId": ""}',
               '{"workerId": "w", "errorCode": 5}', '{"workerId": "w", "errorCode": "' + "E" * 300 + '"}',
               '{"workerId": "w", "errorCode": "E", "variables": {"x": {"value": 1e400, "type": "Double"}}}',
               '{"workerId": "w", "variables": {"x": {"value": 99999999999999999999999, "type": "Integer"}}}',
               '{"workerId": "w", "variables": {"x": {"value": 99999999999999999999999, "type": "Long"}}}',
               '{"workerId": "w", "localVariables": "x"}', '{"variables": {"x": {"value": null, "type": null}}}',
               '{"variables": {"x": {"value": "2026-13-45T99:00:00.000+0800", "type": "Date"}}}',
               '{"variables": {"x": {"value": {"a": 1}, "type": "String"}}}',
               '{"variables": {"' + "k" * 5000 + '": {"value": 1, "type": "Integer"}}}',
               '{"variables": {"x": {"value": "' + "v" * 300_000 + '", "type": "String"}}}',
               '{"userId": 5}', '{"userId": "someone-else"}', '{"message": "' + "m" * 5000 + '"}',
               '{"message": ["a"]}', '{"suspended": 1}', '{"suspended": null}', '{"businessKey": 5}',
               '{"businessKey": "' + "b" * 500 + '"}', '{"withVariablesInReturn": "yes"}']


@pytest.fixture
def real_ids(engine_rest, deploy_api_fixture):
    """One live object of every kind the routes name, owned by grid1."""
    deploy_api_fixture("intake.bpmn", "geocode.bpmn")
    grid1 = engine_rest("grid1")
    instance = grid1.post("/process-definition/key/intake/start", {
        "variables": {"title": {"value": "路灯", "type": "String"}}}).json
    (task,) = grid1.get(f"/task?processInstanceId={instance['id']}").json
    grid1.post("/process-definition/key/geocode/start", {})
    (external,) = grid1.post("/external-task/fetchAndLock", {
        "workerId": "w", "topics": [{"topicName": "geocode", "lockDuration": 600_000}]}).json
    (deployment, *_rest) = engine_rest("admin").get("/deployment").json
    return {"instance_id": instance["id"], "task_id": task["id"], "external_task_id": external["id"],
            "deployment_id": deployment["id"], "ref": instance["definitionId"], "key": "intake"}


@pytest.mark.slow
def test_every_route_with_real_ids_and_odd_bodies_never_answers_500(app, engine_rest, real_ids):
    """Each /engine-rest route of the URL map, with real objects, so that the body and
    parameter checks behind the lookup are reached; a route naming an argument this
    test does not know fails it, so that a new route cannot go unchecked."""
    callers = [engine_rest("grid1"), engine_rest("admin")]
    problems, covered = [], set()
    for rule in (r for r in app.url_map.iter_rules() if r.rule.startswith("/engine-rest/")):
        unknown = set(rule.arguments) - set(real_ids)
        assert not unknown, f"{rule.rule}: add a real {unknown} to real_ids"
        path = re.sub(r"<([^>]+)>", lambda m: str(real_ids[m.group(1)]), rule.rule)
        for method in sorted(rule.methods & {"GET", "POST", "PUT", "DELETE"}):
            covered.add((method, rule.rule))
            for caller in callers:
                if method in ("POST", "PUT"):
                    answers = [caller.client.open(path, method=method, headers=caller.headers, data=body,
                                                  content_type="application/json") for body in REAL_BODIES]
                    answers.append(caller.client.open(path, method=method, headers=caller.headers,
                                                      data="{}", content_type="text/plain"))
                else:
                    answers = [caller.client.open(path + query, method=method, headers=caller.headers)
                               for query in QUERIES + ["?maxResults=99999999999999999999", "?firstResult=1e9",
                                                       "?businessKey=" + "b" * 5000]]
                for r in answers:
                    if r.status_code >= 500 or (r.status_code >= 400 and "type" not in (r.json or {})):
                        problems.append(f"{method} {path}: {r.status_code} {r.data[:200]!r}")
    assert len(covered) >= 39 and not problems, "\n".join(problems[:30])


def test_odd_deployments_are_refused_with_camunda_bodies(engine_rest):
    designer = engine_rest("designer")
    import io
    cases = [{}, {"deployment-name": "x"}, {"data": (io.BytesIO(b""), "empty.bpmn")},
             {"data": (io.BytesIO(b"<not xml"), "bad.bpmn")}, {"data": (io.BytesIO(b"\xff\xfe"), "bin.bpmn")},
             {"data": (io.BytesIO(b"hello"), "readme.txt")},
             {"data": (io.BytesIO(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                                  b"<x>&e;</x>"), "xxe.bpmn")}]
    for data in cases:
        r = designer.post("/deployment/create", data=data, content_type="multipart/form-data")
        assert 400 <= r.status_code < 500 and r.json["type"], (data, r.status_code, r.data[:300])
    r = designer.post("/deployment/create", data="{}", content_type="application/json")
    assert 400 <= r.status_code < 500 and r.json["type"]
