"""Versions pin running instances; intermediate timers; formData over the API."""
from datetime import UTC, datetime, timedelta, timezone

from govflow.database import commit, writing
from govflow.definitions.service import deploy
from govflow.extensions import db
from govflow.instances.models import ProcessInstance
from tests.conftest import FIXTURES


def test_running_instances_keep_their_version(api_as, deploy_fixture):
    deploy_fixture("review.bpmn")
    admin = api_as("admin")
    old = admin.post("/process-instances", {"process_key": "review", "org_unit": "grid_yg_1",
                                            "variables": {"rounds": 0}}).json
    changed = (FIXTURES / "review.bpmn").read_bytes().replace("返工".encode(), "整改返工".encode())
    with writing():
        assert deploy({"review.bpmn": changed}).versions == {"review": 2}
        commit()
    new = admin.post("/process-instances", {"process_key": "review", "org_unit": "grid_yg_1",
                                            "variables": {"rounds": 0}}).json
    assert (old["version"], new["version"]) == (1, 2)
    grid1, secretary = api_as("grid1"), api_as("secretary")
    for instance in (old, new):
        task = grid1.get(f"/tasks?instance_id={instance['id']}").json[0]
        assert grid1.post(f"/tasks/{task['id']}/complete", {"variables": {"approved": False}}).status_code == 200
    names = {t["instance_id"]: t["name"] for t in secretary.get("/tasks").json}
    assert names == {old["id"]: "返工", new["id"]: "整改返工"}


def test_intermediate_timer_expression_handler_and_form_fields(app, api_as, deploy_fixture):
    deploy_fixture("waiting.bpmn")
    admin = api_as("admin")
    instance = admin.post("/process-instances", {"process_key": "waiting", "org_unit": "grid_yg_1",
                                                 "variables": {"publicity_period": "P7D"}}).json
    assert instance["tasks"] == []
    later = datetime.now(UTC) + timedelta(days=6)
    app.test_cli_runner().invoke(args=["worker", "--once", "--now", later.isoformat()])
    assert api_as("street").get("/tasks").json == []
    later = datetime.now(UTC) + timedelta(days=7, minutes=1)
    app.test_cli_runner().invoke(args=["worker", "--once", "--now", later.isoformat()])
    street = api_as("street")
    task = street.get("/tasks").json[0]
    assert task["scope"] == "street_heping"
    detail = street.get(f"/tasks/{task['id']}").json
    fields = {f["id"]: f for f in detail["form"]["fields"]}
    assert fields["outcome"]["required"] and fields["outcome"]["type"] == "enum"
    assert fields["outcome"]["options"] == [{"id": "pass", "name": "通过"}, {"id": "fail", "name": "不通过"}]
    assert fields["objections"]["constraints"] == {"min": 0} and fields["objections"]["type"] == "long"
    assert detail["variables"]["reminders"] == 1  # the handler named by camunda:expression ran
    bad = street.post(f"/tasks/{task['id']}/complete", {"variables": {"outcome": "maybe", "objections": -1}})
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"outcome", "objections"}
    ok = street.post(f"/tasks/{task['id']}/complete", {"variables": {"outcome": "pass", "objections": 2}})
    assert ok.status_code == 200
    db.session.expire_all()
    done = db.session.get(ProcessInstance, instance["id"])
    assert done.status == "completed" and done.variables["outcome"] == "pass"


def test_move_back_over_the_api_and_task_local_variables(api_as, deploy_fixture):
    deploy_fixture("review.bpmn")
    admin, grid1 = api_as("admin"), api_as("grid1")
    instance = admin.post("/process-instances", {"process_key": "review", "org_unit": "grid_yg_1",
                                                 "variables": {"rounds": 0}}).json
    task = grid1.get("/tasks").json[0]
    assert grid1.post(f"/tasks/{task['id']}/complete", {"variables": {"approved": False, "note": "不属实"}}).status_code == 200
    rework = api_as("secretary").get("/tasks").json[0]
    assert api_as("secretary").get(f"/tasks/{rework['id']}").json["variables"]["note"] == "不属实"
    url = f"/process-instances/{instance['id']}/move"
    assert grid1.post(url, {"element_id": "verify", "reason": "退回"}).status_code == 403
    assert admin.post(url, {"element_id": "verify"}).status_code == 422
    assert admin.post(url, {"element_id": "nowhere", "reason": "退回"}).status_code == 404
    moved = admin.post(url, {"element_id": "verify", "reason": "核实不充分，退回重新核实"})
    assert moved.status_code == 200 and [t["element_id"] for t in moved.json["tasks"]] == ["verify"]
    assert api_as("secretary").get("/tasks").json == []
    events = admin.get(f"/process-instances/{instance['id']}/events").json
    assert [e["comment"] for e in events if e["kind"] == "instance_moved"] == ["核实不充分，退回重新核实"]
