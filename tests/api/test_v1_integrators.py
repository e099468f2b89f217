"""/api/v1 for integrators: a definition's start form, task comments, history and lists."""
from __future__ import annotations


def _start(api, title="路灯不亮", unit="grid_yg_1"):
    r = api.post("/process-instances", {"process_key": "intake", "org_unit": unit,
                                        "variables": {"title": title, "category": "road"}})
    assert r.status_code == 201, r.json
    return r.json


def test_a_definition_shows_its_versions_and_start_form(api_as, deploy_api_fixture):
    deploy_api_fixture("intake.bpmn")
    body = api_as("grid1").get("/process-definitions/intake").json
    assert body["name"] == "来电登记" and [v["version"] for v in body["versions"]] == [1]
    fields = {f["id"]: f for f in body["start_form"]["fields"]}
    assert fields["title"]["required"] and fields["title"]["constraints"] == {"maxlength": 50}
    assert fields["category"]["options"] == [{"id": "road", "name": "道路"}, {"id": "noise", "name": "噪声"}]
    assert fields["urgent"]["type"] == "boolean"
    assert api_as("grid1").get("/process-definitions/nope").status_code == 404


def test_comments_are_added_listed_and_refused_by_the_one_rule(api_as, deploy_api_fixture):
    deploy_api_fixture("intake.bpmn")
    grid1 = api_as("grid1")
    instance = _start(grid1)
    task_id = instance["tasks"][0]["id"]
    assert grid1.post(f"/tasks/{task_id}/comments", {"message": "  "}).status_code == 422
    assert grid1.post(f"/tasks/{task_id}/comments", {"message": "x" * 2001}).status_code == 422
    r = grid1.post(f"/tasks/{task_id}/comments", {"message": "已电话联系"})
    assert r.status_code == 201 and r.json["user"] == "grid1" and r.json["message"] == "已电话联系", r.json
    assert api_as("grid3").post(f"/tasks/{task_id}/comments", {"message": "越权"}).status_code == 404
    assert api_as("grid3").get(f"/tasks/{task_id}/comments").status_code == 404
    listed = grid1.get(f"/tasks/{task_id}/comments").json
    assert [c["message"] for c in listed] == ["已电话联系"]
    history = grid1.get(f"/tasks/{task_id}/history").json
    assert [h["kind"] for h in history][-1] == "task_commented" and history[-1]["actor"] == "grid1"


def test_instance_history_leaves_out_variable_values(api_as, deploy_api_fixture):
    deploy_api_fixture("intake.bpmn")
    grid1 = api_as("grid1")
    instance = _start(grid1, title="张三 13800138000")
    task_id = instance["tasks"][0]["id"]
    assert grid1.post(f"/tasks/{task_id}/complete", {"variables": {"approved": True}}).status_code == 200
    history = grid1.get(f"/process-instances/{instance['id']}/history").json
    assert [h["kind"] for h in history] == ["instance_started", "task_created", "task_completed"]
    assert "13800138000" not in str(history)
    assert api_as("grid3").get(f"/process-instances/{instance['id']}/history").status_code == 404


def test_task_lists_reuse_the_pages_lists(api_as, deploy_api_fixture):
    deploy_api_fixture("intake.bpmn")
    grid1, admin = api_as("grid1"), api_as("admin")
    mine = _start(grid1)
    _start(admin, unit="grid_yg_1")
    ids = lambda which: sorted(t["instance_id"] for t in grid1.get(f"/tasks?filter={which}").json)  # noqa: E731
    assert len(ids("all")) == 2 and ids("started") == [mine["id"]]
    assert ids("done") == [] and ids("overdue") == [] and ids("copied") == []
    task_id = mine["tasks"][0]["id"]
    assert grid1.post(f"/tasks/{task_id}/complete", {"variables": {"approved": True}}).status_code == 200
    assert ids("done") == [mine["id"]] and ids("started") == []
    assert grid1.get("/tasks?filter=bogus").status_code == 422


def test_a_listed_task_reads_as_the_task_itself(api_as, deploy_api_fixture):
    """The doors list rows, not objects (inbox.list_task_rows): every list holds the tasks
    list_tasks holds, with the same values, and a listed task shows as its own read."""
    from sqlalchemy import inspect

    from govflow.identity.access import principal_for
    from govflow.identity.service import get_user
    from govflow.worklist.inbox import API_LISTS, list_task_rows, list_tasks
    from govflow.worklist.models import HumanTask
    deploy_api_fixture("intake.bpmn")
    grid1 = api_as("grid1")
    done, claimed = _start(grid1), _start(grid1, title="井盖缺失")
    _start(api_as("admin"))
    assert grid1.post(f"/tasks/{done['tasks'][0]['id']}/complete", {"variables": {"approved": True}}).status_code == 200
    assert grid1.post(f"/tasks/{claimed['tasks'][0]['id']}/claim").status_code == 200
    p = principal_for(get_user("grid1"))
    names = [c.key for c in inspect(HumanTask).column_attrs if c.key != "form_fields"]
    for which in API_LISTS:
        tasks, total = list_tasks(p, which)
        rows, row_total = list_task_rows(p, which)
        assert row_total == total and [r.id for r in rows] == [t.id for t in tasks], which
        assert [{n: getattr(r, n) for n in names} for r in rows] == [{n: getattr(t, n) for n in names} for t in tasks]
    listed = {t["id"]: t for t in grid1.get("/tasks?filter=all").json}
    assert claimed["id"] in {t["instance_id"] for t in listed.values()}
    own = grid1.get(f"/tasks/{claimed['tasks'][0]['id']}").json
    assert listed[own["id"]] == {k: v for k, v in own.items() if k in listed[own["id"]]}
    assert listed[own["id"]]["assignee"] == "grid1"
    assert [t["instance_id"] for t in grid1.get("/tasks?filter=done").json] == [done["id"]]
