def test_review_flow_over_api(api_as, deploy_fixture):
    result = deploy_fixture("review.bpmn")
    assert result.versions == {"review": 1}
    admin = api_as("admin")
    r = admin.post("/process-instances", {"process_key": "review", "org_unit": "grid_yg_1",
                                          "business_key": "2026-0001", "variables": {"rounds": 0}})
    assert r.status_code == 201, r.json
    grid1 = api_as("grid1")
    tasks = grid1.get("/tasks?filter=candidate").json
    assert [t["element_id"] for t in tasks] == ["verify"]
    task_id = tasks[0]["id"]
    assert api_as("grid2").get(f"/tasks/{task_id}").status_code == 404
    r = grid1.post(f"/tasks/{task_id}/complete", {"variables": {"note": "x" * 11}})
    assert r.status_code == 422 and set(r.json["errors"]) == {"approved", "note"}, r.json
    r = grid1.post(f"/tasks/{task_id}/complete", {"variables": {"approved": False}})
    assert r.status_code == 200, r.json
    assert grid1.post(f"/tasks/{task_id}/complete", {"variables": {"approved": True}}).status_code == 409
    sec = api_as("secretary")
    rework = sec.get("/tasks").json
    assert [t["element_id"] for t in rework] == ["rework"] and rework[0]["scope"] == "comm_yangguang"
    assert sec.post(f"/tasks/{rework[0]['id']}/complete", {"variables": {}}).status_code == 200
    verify2 = grid1.get("/tasks").json[0]
    assert grid1.post(f"/tasks/{verify2['id']}/complete", {"variables": {"approved": True}}).status_code == 200
    inst = admin.get(f"/process-instances/{r.json['instance_id']}").json
    assert inst["status"] == "completed", inst
    kinds = [e["kind"] for e in admin.get(f"/process-instances/{inst['id']}/events").json]
    assert kinds.count("task_completed") == 3 and kinds[-1] == "instance_completed"
