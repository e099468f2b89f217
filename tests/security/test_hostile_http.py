"""Hostile diagrams posted to the REST deployment endpoint, as an integrator would.

Each is refused with 422 and a message naming the file, the line and (where
there is one) the element; nothing is deployed; the server answers the next
request. The samples live in tests/hostile/ (the service-level twin is
tests/test_hostile_deploy.py); the very large ones are generated here.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from .conftest import FIGURES, fingerprint

HOSTILE = Path(__file__).parent.parent / "hostile"
#: sample → (element the message must name, or None for document-level refusals, lint code)
EXPECTED = {
    "xxe.bpmn": (None, "doctype-forbidden"),
    "billion_laughs.bpmn": (None, "doctype-forbidden"),
    "duplicate_ids.bpmn": (None, "duplicate-id"),
    "dangling_ref.bpmn": (None, "dangling-reference"),
    "absurd_timer.bpmn": ("too_late", "timer-too-long"),
    "huge_cardinality.bpmn": (None, "cardinality-too-large"),
    "sandbox_condition.bpmn": ("escape_flow", None),
    "preloaded_module.bpmn": ("peek", None),
    "open_file.bpmn": ("read_passwd", None),
    "import_script.bpmn": ("shell", None),
    "juel_method_call.bpmn": ("call_method", None),
}
LINE = re.compile(r"\.bpmn:\d+: ")


def _deploy(client, token, name, data):
    return client.post("/api/v1/deployments", headers={"Authorization": f"Bearer {token}"},
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _assert_refused(web_app, tokens, name, data, status=422):
    client = web_app.test_client()
    before = fingerprint(web_app)
    response = _deploy(client, tokens["designer"], name, data)
    assert response.status_code == status, (name, response.status_code, response.text[:300])
    definitions = client.get("/api/v1/process-definitions", headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert definitions.status_code == 200 and [d["key"] for d in definitions.json] == ["web_case"]  # still up
    assert fingerprint(web_app) == before  # nothing deployed
    FIGURES["hostile diagrams refused over HTTP"] += 1
    return response.json


def test_every_sample_is_known():
    assert sorted(p.name for p in HOSTILE.glob("*.bpmn")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_sample_is_refused_over_http(web_app, tokens, name):
    body = _assert_refused(web_app, tokens, name, (HOSTILE / name).read_bytes())
    element, code = EXPECTED[name]
    messages = [m for ms in body["errors"].values() for m in ms]
    assert all(m.startswith(name) and LINE.search(m) for m in messages), messages
    if element:  # errors are keyed by the element, and its message names it
        assert any(f"'{element}'" in m for m in body["errors"][element]), body
    if code:
        assert any(f"[{code}]" in m for m in messages), messages
    assert "root:" not in str(body)  # nothing of /etc/passwd leaks


def test_a_file_over_the_deployment_limit_is_refused_by_size(web_app, tokens):
    body = _assert_refused(web_app, tokens, "big.bpmn", b"<" * 2_000_001)
    assert body["errors"] == {"big.bpmn": ["big.bpmn: big.bpmn is 2,000,001 bytes; the limit is "
                                           "2,000,000 bytes [too-large]"]}


def test_a_request_over_the_upload_limit_is_refused_before_reading(web_app, tokens):
    limit = web_app.config["MAX_CONTENT_LENGTH"]
    _assert_refused(web_app, tokens, "huge.bpmn", b"x" * (limit + 1), status=413)


def test_deep_nesting_is_refused(web_app, tokens):
    data = (b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
            + b"<a>" * 50_000 + b"</a>" * 50_000 + b"</bpmn:definitions>")
    body = _assert_refused(web_app, tokens, "deep.bpmn", data)
    assert "[too-deep]" in body["errors"]["deep.bpmn"][0]


def test_a_ten_thousand_step_sequence_is_refused(web_app, tokens):
    steps = "".join(f'<bpmn:task id="s{i}"/><bpmn:sequenceFlow id="f{i}" sourceRef="s{i - 1}" targetRef="s{i}"/>\n'
                    for i in range(1, 10_001))
    data = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="t">\n'
            '<bpmn:process id="long" isExecutable="true"><bpmn:startEvent id="s0"/>\n' + steps
            + '<bpmn:endEvent id="end"/><bpmn:sequenceFlow id="f_end" sourceRef="s10000" targetRef="end"/>'
            '</bpmn:process></bpmn:definitions>').encode()
    body = _assert_refused(web_app, tokens, "long.bpmn", data)
    assert re.fullmatch(r"long\.bpmn:\d+: long\.bpmn has more than 20,000 elements \[too-many-elements\]",
                        body["errors"]["long.bpmn"][0])


def test_non_designers_cannot_deploy_at_all(web_app, tokens):
    response = _deploy(web_app.test_client(), tokens["grid1"], "ok.bpmn", (HOSTILE / "xxe.bpmn").read_bytes())
    assert response.status_code == 403


ENDLESS_CYCLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="t">
  <bpmn:process id="endless_cycle" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="spin"/>
    <bpmn:scriptTask id="spin" scriptFormat="python"><bpmn:script>n = n + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="spin" targetRef="again"/>
    <bpmn:exclusiveGateway id="again" default="back"/>
    <bpmn:sequenceFlow id="back" sourceRef="again" targetRef="spin"/>
    <bpmn:sequenceFlow id="out" sourceRef="again" targetRef="end">
      <bpmn:conditionExpression>False</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_an_endless_automatic_cycle_is_refused_and_stores_nothing(web_app, tokens):
    """A cycle of automatic steps with no wait state deploys (a loop may exit on data),
    but the start that runs into it is refused with 409 naming the step, instead of
    an instance left 'active' with nothing to do (the message names the step of the
    cycle where SpiffWorkflow gave up)."""
    client, admin = web_app.test_client(), {"Authorization": f"Bearer {tokens['admin']}"}
    assert _deploy(client, tokens["designer"], "cycle.bpmn", ENDLESS_CYCLE).status_code == 201
    before = fingerprint(web_app)
    started = client.post("/api/v1/process-instances", headers=admin, json={
        "process_key": "endless_cycle", "org_unit": "grid_yg_1", "variables": {"n": 0}})
    assert started.status_code == 409, started.text
    message = started.json["message"]
    assert message.split(" ", 1)[0] in ("spin", "again") and "loops without a wait state" in message
    assert fingerprint(web_app) == before
    assert client.get("/api/v1/process-definitions", headers=admin).status_code == 200  # still up
