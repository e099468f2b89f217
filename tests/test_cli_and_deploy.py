"""CLI contract and deployment validation (errors name element, file and line)."""
import io

from govflow.definitions.models import ProcessDefinition
from govflow.extensions import db
from tests.conftest import FIXTURES

BAD = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
  <bpmn:process id="bad" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="verify"/>
    <bpmn:userTask id="verify" name="v" camunda:candidateGroups="grid_workr"/>
    <bpmn:sequenceFlow id="f2" sourceRef="verify" targetRef="nowhere"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_users_create_token_and_api_auth(app, org):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["users", "create", "hotline", "--password", "hotline-pass-1",
                              "--grant", "street_officer@street_heping"])
    assert out.exit_code == 0, out.output
    bad = runner.invoke(args=["users", "create", "x", "--password", "longenough", "--grant", "nobody@street_heping"])
    assert bad.exit_code != 0 and "unknown role 'nobody'" in bad.output
    token = runner.invoke(args=["users", "token", "hotline"]).output.strip().splitlines()[-1]
    client = app.test_client()
    assert client.get("/api/v1/org-units").status_code == 401
    assert client.get("/api/v1/org-units", headers={"Authorization": "Bearer nope"}).status_code == 401
    units = client.get("/api/v1/org-units", headers={"Authorization": f"Bearer {token}"}).json
    assert {"code": "grid_yg_1", "name": "阳光社区第一网格", "kind": "grid", "parent": "comm_yangguang"} in units


def test_cli_deploy_versions_and_errors(app, org, tmp_path):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["deploy", str(FIXTURES / "review.bpmn")])
    assert out.exit_code == 0 and "review v1 (new)" in out.output, out.output
    out = runner.invoke(args=["deploy", str(FIXTURES / "review.bpmn")])
    assert "review v1 (unchanged)" in out.output
    changed = tmp_path / "review.bpmn"
    changed.write_text((FIXTURES / "review.bpmn").read_text().replace("核实", "核实现场"))
    assert "review v2 (new)" in runner.invoke(args=["deploy", str(changed)]).output
    bad = tmp_path / "bad.bpmn"
    bad.write_bytes(BAD)
    out = runner.invoke(args=["deploy", str(bad)])
    assert out.exit_code != 0
    assert "verify: bad.bpmn:7:" in out.output and "grid_workr" in out.output
    assert "f2: bad.bpmn:8:" in out.output and "nowhere" in out.output
    assert [d.version for d in db.session.query(ProcessDefinition).order_by(ProcessDefinition.version)] == [1, 2]


def test_api_deployment_422_and_201(api_as):
    designer = api_as("designer")
    r = designer.post("/deployments", data={"file": (io.BytesIO(BAD), "bad.bpmn")},
                      content_type="multipart/form-data")
    assert r.status_code == 422
    assert any("line 7" in m or ":7:" in m for m in r.json["errors"]["verify"]), r.json
    xxe = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</bpmn:definitions>')
    r = designer.post("/deployments", data={"file": (io.BytesIO(xxe), "x.bpmn")}, content_type="multipart/form-data")
    assert r.status_code == 422 and "root" not in str(r.json)
    r = designer.post("/deployments", data={"file": (io.BytesIO((FIXTURES / "review.bpmn").read_bytes()), "review.bpmn")},
                      content_type="multipart/form-data")
    assert r.status_code == 201 and r.json["process_keys"] == ["review"] and r.json["version"] == 1
    assert api_as("grid1").post("/deployments", data={"file": (io.BytesIO(BAD), "bad.bpmn")},
                                content_type="multipart/form-data").status_code == 403
    assert designer.get("/process-definitions").json == [{"key": "review", "name": "核实与返工", "version": 1}]


def test_openapi_document(app):
    doc = app.test_client().get("/api/v1/openapi.json").json
    paths = doc["paths"]
    for path in ("/api/v1/tasks/{task_id}/complete", "/api/v1/messages", "/api/v1/process-instances",
                 "/api/v1/deployments", "/api/v1/org-units"):
        assert path in paths, path
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
