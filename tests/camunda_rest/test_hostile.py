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
