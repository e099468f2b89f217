"""Camunda Forms: deployed and versioned with diagrams, referenced by user tasks,
every submission checked on the server against the form."""
from __future__ import annotations

import io
import json
import time
from pathlib import Path

from tests.camunda_rest.conftest import engine_rest  # noqa: F401  (fixture)
from tests.web.conftest import page_as, web_app  # noqa: F401  (fixtures)

FIXTURES = Path(__file__).parent / "fixtures"
VALID = {"phone": "13812345678", "households": 3, "severity": "high", "escalate": False,
         "measures": ["advise"], "people": [{"name": "张三"}], "visited_on": "2026-12-01"}


def _files(*names, **replaced):
    return [(io.BytesIO(replaced.get(n) or (FIXTURES / n).read_bytes()), n) for n in names]


def _deploy(api, *names, **replaced):
    return api.client.post("/api/v1/deployments", headers=api.headers, content_type="multipart/form-data",
                           data={"file": _files(*names, **replaced)})


def _form(**changes) -> bytes:
    doc = json.loads((FIXTURES / "inspection.form").read_text())
    components = list(doc["components"])
    while components:
        component = components.pop()
        component.update(changes.get(component.get("key") or component.get("id"), {}))
        components += component.get("components") or []
    return json.dumps(doc, ensure_ascii=False).encode()


def _first_task(api):
    started = api.post("/process-instances", {"process_key": "inspection", "org_unit": "grid_yg_1",
                                              "variables": {"title": "楼道堆物"}})
    assert started.status_code == 201, started.json
    tasks = api.get(f"/process-instances/{started.json['id']}").json["tasks"]
    return api.get(f"/tasks/{next(t for t in tasks if t['status'] != 'completed')['id']}").json


def test_forms_deploy_with_versions_by_id(api_as):
    designer = api_as("designer")
    r = _deploy(designer, "inspection.form", "inspection.bpmn")
    assert r.status_code == 201, r.json
    assert r.json["form_versions"] == {"inspection_form": 1} and r.json["versions"] == {"inspection": 1}
    again = _deploy(designer, "inspection.form")
    assert again.status_code == 201 and again.json["form_versions"] == {"inspection_form": 1}
    changed = _deploy(designer, "inspection.form", **{"inspection.form": _form(phone={"label": "手机"})})
    assert changed.json["form_versions"] == {"inspection_form": 2}


def test_lint_refuses_what_the_server_cannot_check(api_as):
    designer = api_as("designer")
    bad = _form(reason={"conditional": {"hide": "=count(measures) > 1"}}, phone={"type": "iframe"})
    r = _deploy(designer, "inspection.form", "inspection.bpmn", **{"inspection.form": bad})
    assert r.status_code == 422
    text = json.dumps(r.json, ensure_ascii=False)
    assert "invalid-form" in text and "iframe" in text and "count(measures)" in text
    alone = _deploy(designer, "inspection.bpmn")
    assert alone.status_code == 422
    assert "check" in alone.json["errors"] and "unknown-form-ref" in alone.json["errors"]["check"][0]
    assert ":9:" in alone.json["errors"]["check"][0]  # file and line of the user task


def test_api_refuses_invalid_then_accepts_valid(api_as):
    assert _deploy(api_as("designer"), "inspection.form", "inspection.bpmn").status_code == 201
    grid1 = api_as("grid1")
    task = _first_task(grid1)
    assert [f["id"] for f in task["form"]["fields"]][:3] == ["intro", "phone", "households"]
    wrong = dict(VALID, phone="12345", households=501, severity="extreme", visited_on="yesterday",
                 measures=["bribe"], people=[{"name": "x" * 21}])
    r = grid1.post(f"/tasks/{task['id']}/complete", {"variables": wrong})
    assert r.status_code == 422
    assert set(r.json["errors"]) >= {"phone", "households", "severity", "visited_on", "measures", "people"}
    hidden = grid1.post(f"/tasks/{task['id']}/complete", {"variables": dict(VALID, reason="不该出现的理由")})
    assert hidden.status_code == 422 and "reason" in hidden.json["errors"]
    shown = grid1.post(f"/tasks/{task['id']}/complete", {"variables": dict(VALID, escalate=True)})
    assert shown.status_code == 422 and "reason" in shown.json["errors"]  # now visible, so required
    stranger = grid1.post(f"/tasks/{task['id']}/complete", {"variables": dict(VALID, photos=["not-mine"])})
    assert stranger.status_code == 422 and "photos" in stranger.json["errors"]
    photo = grid1.upload()
    ok = grid1.post(f"/tasks/{task['id']}/complete", {"variables": dict(VALID, escalate=True, reason="需要街道协调处理",
                                                                         photos=[photo])})
    assert ok.status_code == 200, ok.json
    instance = grid1.get(f"/process-instances/{task['instance_id']}").json
    assert instance["variables"]["photos"] == [photo] and instance["variables"]["reason"] == "需要街道协调处理"


def test_hostile_pattern_fails_the_field_quickly(api_as):
    hostile = _form(phone={"validate": {"required": True, "pattern": "^(a+)+$"}})
    assert _deploy(api_as("designer"), "inspection.form", "inspection.bpmn",
                   **{"inspection.form": hostile}).status_code == 201
    grid1 = api_as("grid1")
    task = _first_task(grid1)
    began = time.monotonic()
    r = grid1.post(f"/tasks/{task['id']}/complete", {"variables": dict(VALID, phone="a" * 40 + "!")})
    assert r.status_code == 422 and "phone" in r.json["errors"]
    assert time.monotonic() - began < 2


def test_engine_rest_submit_form_and_form_variables(api_as, engine_rest):
    modeler = engine_rest("designer").post("/deployment/create", content_type="multipart/form-data", data={
        "deployment-name": "现场核查", "deployment-source": "Camunda Modeler",
        **{name: file for file, name in zip(_files("inspection.form", "inspection.bpmn"), ("a", "b"))}})
    assert modeler.status_code == 200, modeler.json
    task = _first_task(api_as("grid1"))
    grid1 = engine_rest("grid1")
    (camunda_task,) = grid1.get("/task?taskDefinitionKey=check").json
    variables = grid1.get(f"/task/{camunda_task['id']}/form-variables").json
    assert {"phone", "severity", "households"} <= set(variables)
    typed = lambda values: {k: {"value": v} for k, v in values.items()}  # noqa: E731
    r = grid1.post(f"/task/{camunda_task['id']}/submit-form", {"variables": typed(dict(VALID, phone="1"))})
    assert r.status_code == 400 and "phone" in r.json["message"]
    r = grid1.post(f"/task/{camunda_task['id']}/submit-form", {"variables": typed(VALID)})
    assert r.status_code in (200, 204), r.json
    assert task["element_id"] == "check"
    (review,) = grid1.get("/task?taskDefinitionKey=review").json
    assert grid1.get(f"/task/{review['id']}/deployed-form").json["id"] == "inspection_form"


def test_staff_page_draws_and_checks_the_form(web_app, page_as):
    from sqlalchemy import select

    from govflow.database import commit, writing
    from govflow.definitions.service import deploy
    from govflow.extensions import db
    from govflow.instances.service import start_instance
    from govflow.worklist.models import HumanTask
    with web_app.app_context(), writing():
        deploy({n: (FIXTURES / n).read_bytes() for n in ("inspection.form", "inspection.bpmn")})
        instance = start_instance("inspection", "grid_yg_1", {"title": "楼道堆物"})
        task_id = db.session.scalar(select(HumanTask.id).where(HumanTask.instance_id == instance.id))
        commit()
    grid1 = page_as("grid1")
    page = grid1.get(f"/tasks/{task_id}").text
    assert 'data-hide-if="escalate != true"' in page and "form-conditions.js" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert 'name="people.0.name"' in page and 'name="photos__files"' in page and 'name="measures"' in page
    form = {"phone": "123", "households": "2", "severity": "low", "people.0.name": "李四"}
    refused = grid1.post(f"/tasks/{task_id}/complete", data=form)
    assert refused.status_code == 200 and 'class="field has-error w-text" data-field="phone"' in refused.text
    hidden = grid1.post(f"/tasks/{task_id}/complete", data=dict(form, phone="13812345678", reason="隐藏的理由"))
    assert hidden.status_code == 200 and 'data-field="reason"' in hidden.text and "has-error w-textarea" in hidden.text
    done = grid1.post(f"/tasks/{task_id}/complete", data=dict(form, phone="13812345678", escalate="true",
                                                              reason="需要街道协调处理"))
    assert done.status_code == 303, done.text[:2000]


def test_start_form_is_checked_when_starting(api_as, engine_rest):
    bpmn = (FIXTURES / "inspection.bpmn").read_bytes().replace(
        b'<bpmn:startEvent id="start"/>', b'<bpmn:startEvent id="start" camunda:formRef="inspection_form"/>')
    assert _deploy(api_as("designer"), "inspection.form", "inspection.bpmn",
                   **{"inspection.bpmn": bpmn}).status_code == 201
    grid1 = api_as("grid1")
    start = {"process_key": "inspection", "org_unit": "grid_yg_1"}
    refused = grid1.post("/process-instances", {**start, "variables": {"title": "x", "phone": "1"}})
    assert refused.status_code == 422 and set(refused.json["errors"]) >= {"phone", "severity"}
    started = grid1.post("/process-instances", {**start, "variables": dict(VALID, title="楼道堆物")})
    assert started.status_code == 201, started.json
    assert engine_rest("grid1").get("/process-definition/key/inspection/deployed-start-form").json["id"] == \
        "inspection_form"
    variables = engine_rest("grid1").get("/process-definition/key/inspection/form-variables").json
    assert variables["households"]["type"] == "Long" and variables["visited_on"]["type"] == "Date"
    shown = grid1.get("/process-definitions/inspection").json["start_form"]["fields"]
    assert {"phone": "^1[3-9][0-9]{9}$"}.items() <= {f["id"]: f["constraints"].get("pattern") for f in shown}.items()
