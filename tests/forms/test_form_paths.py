"""Camunda Forms whose data is not flat: options read from a process variable
(``valuesKey``), groups with a ``path`` (an object) and dynamic lists under a dotted
path — described with the case's options and checked on the server."""
from __future__ import annotations

import json

import pytest

from govflow.forms.camunda.schema import FormError, read_form
from tests.camunda_rest.conftest import engine_rest  # noqa: F401  (fixture)
from tests.web.conftest import page_as, web_app  # noqa: F401  (fixtures)

from .test_camunda_forms import FIXTURES, _deploy

BPMN = (FIXTURES / "inspection.bpmn").read_bytes() \
    .replace(b'camunda:formRef="inspection_form"', b'camunda:formRef="household_form"') \
    .replace(b'camunda:formKey="camunda-forms:deployment:inspection.form"', b'camunda:formRef="household_form"')
STREETS = [{"label": "永定街道", "value": "yd"}, {"label": "西关街道", "value": "xg"}]
VALID = {"street": "xg", "tags": ["老人"], "address": {"building": "3号楼", "room": 201},
         "household": {"members": [{"name": "王五"}]}}


def _task(api):
    started = api.post("/process-instances", {"process_key": "inspection", "org_unit": "grid_yg_1", "variables": {
        "title": "入户", "streets": STREETS, "tag_options": ["老人", "残疾人"]}})
    assert started.status_code == 201, started.json
    (task,) = [t for t in api.get(f"/process-instances/{started.json['id']}").json["tasks"] if t["status"] == "open"]
    return api.get(f"/tasks/{task['id']}").json


def test_options_groups_and_paths_are_described_and_checked(api_as):
    r = _deploy(api_as("designer"), "household.form", "inspection.bpmn",
                **{"inspection.bpmn": BPMN})
    assert r.status_code == 201, r.json
    grid1 = api_as("grid1")
    task = _task(grid1)
    fields = {f["id"]: f for f in task["form"]["fields"]}
    assert fields["street"]["options"] == [{"id": "yd", "name": "永定街道"}, {"id": "xg", "name": "西关街道"}]
    assert [o["id"] for o in fields["tags"]["options"]] == ["老人", "残疾人"]
    assert fields["address"]["type"] == "object"
    assert [f["id"] for f in fields["address"]["fields"]] == ["building", "room"]
    assert fields["household"]["fields"][0]["columns"][0]["id"] == "name"
    wrong = {"street": "nowhere", "tags": ["VIP"], "address": {"room": 0},
             "household": {"members": [{"name": ""}]}}
    r = grid1.post(f"/tasks/{task['id']}/complete", {"variables": wrong})
    assert r.status_code == 422
    errors = r.json["errors"]
    assert "street" in errors and "tags" in errors
    assert set(errors["address"]) == {"building", "room"}  # nested under the path
    assert "members" in errors["household"]
    nothing = grid1.post(f"/tasks/{task['id']}/complete", {"variables": {"street": "yd"}})
    assert nothing.status_code == 422 and "building" in nothing.json["errors"]["address"]
    ok = grid1.post(f"/tasks/{task['id']}/complete", {"variables": VALID})
    assert ok.status_code == 200, ok.json
    variables = grid1.get(f"/process-instances/{task['instance_id']}").json["variables"]
    assert variables["address"] == {"building": "3号楼", "room": 201}
    assert variables["household"] == {"members": [{"name": "王五"}]} and variables["street"] == "xg"


def test_engine_rest_submit_form_nested(api_as, engine_rest):
    assert _deploy(api_as("designer"), "household.form", "inspection.bpmn",
                   **{"inspection.bpmn": BPMN}).status_code == 201
    task = _task(api_as("grid1"))
    rest = engine_rest("grid1")
    (camunda_task,) = rest.get("/task?taskDefinitionKey=check").json
    assert camunda_task["id"]
    typed = {k: {"value": json.dumps(v, ensure_ascii=False), "type": "Json"} if isinstance(v, (dict, list))
             else {"value": v} for k, v in VALID.items()}
    bad = dict(typed, address={"value": json.dumps({"building": "x" * 11}), "type": "Json"})
    r = rest.post(f"/task/{camunda_task['id']}/submit-form", {"variables": bad})
    assert r.status_code == 400 and "building" in r.json["message"]
    r = rest.post(f"/task/{camunda_task['id']}/submit-form", {"variables": typed})
    assert r.status_code in (200, 204), r.json
    assert task["element_id"] == "check"


@pytest.mark.parametrize("component, reason", [
    ({"type": "select", "key": "s", "valuesExpression": "=streets"}, "valuesExpression"),
    ({"type": "select", "key": "s", "valuesKey": "not a name"}, "valuesKey"),
    ({"type": "group", "path": "a", "components": [{"type": "filepicker", "key": "f"}]}, "file picker"),
    ({"type": "group", "path": "a", "components": [
        {"type": "textfield", "key": "t", "conditional": {"hide": "=true"}}]}, "group with a path"),
    ({"type": "group", "path": "a-b", "components": []}, "plain variable name"),
])
def test_what_cannot_be_checked_is_refused_with_the_reason(component, reason):
    doc = {"type": "default", "id": "f", "components": [component]}
    with pytest.raises(FormError) as refused:
        read_form(json.dumps(doc).encode())
    assert reason in str(refused.value)


def test_staff_page_draws_groups_and_the_case_options(web_app, page_as):
    from sqlalchemy import select

    from govflow.database import commit, writing
    from govflow.definitions.service import deploy
    from govflow.extensions import db
    from govflow.instances.models import ProcessInstance
    from govflow.instances.service import start_instance
    from govflow.worklist.models import HumanTask
    with web_app.app_context(), writing():
        deploy({"household.form": (FIXTURES / "household.form").read_bytes(), "inspection.bpmn": BPMN})
        instance = start_instance("inspection", "grid_yg_1", {"title": "入户", "streets": STREETS,
                                                              "tag_options": ["老人", "残疾人"]})
        instance_id = instance.id
        task_id = db.session.scalar(select(HumanTask.id).where(HumanTask.instance_id == instance_id))
        commit()
    grid1 = page_as("grid1")
    page = grid1.get(f"/tasks/{task_id}").text
    assert ">西关街道</option>" in page and 'value="残疾人"' in page
    assert 'name="address.building"' in page and 'name="household.members.0.name"' in page
    refused = grid1.post(f"/tasks/{task_id}/complete", data={"street": "yd", "address.room": "0"})
    assert refused.status_code == 200, refused.text[:1500]
    assert 'has-error w-text" data-field="address.building"' in refused.text
    assert 'has-error w-number" data-field="address.room"' in refused.text
    done = grid1.post(f"/tasks/{task_id}/complete", data={
        "street": "yd", "tags": "老人", "address.building": "5号楼", "address.room": "12",
        "household.members.0.name": "赵六"})
    assert done.status_code == 303, done.text[:3000]
    with web_app.app_context():
        variables = db.session.get(ProcessInstance, instance_id).variables
    assert variables["address"] == {"building": "5号楼", "room": 12}
    assert variables["household"] == {"members": [{"name": "赵六"}]} and variables["tags"] == ["老人"]
