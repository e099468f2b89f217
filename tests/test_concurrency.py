"""Two people completing (or claiming) the same task: exactly one wins."""
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from govflow.extensions import db
from govflow.instances.models import InstanceEvent, ProcessInstance


def _start_review(api_as, deploy_fixture):
    deploy_fixture("review.bpmn")
    admin = api_as("admin")
    r = admin.post("/process-instances", {"process_key": "review", "org_unit": "grid_yg_1",
                                          "variables": {"rounds": 0}})
    assert r.status_code == 201
    return r.json["id"]


def _race(client_factory, url, body, n=16):
    clients = [client_factory() for _ in range(n)]
    with ThreadPoolExecutor(max_workers=n) as pool:
        return sorted(pool.map(lambda c: c.post(url, body).status_code, clients))


def test_parallel_completions_one_wins(api_as, deploy_fixture):
    instance_id = _start_review(api_as, deploy_fixture)
    task_id = api_as("grid1").get("/tasks").json[0]["id"]
    codes = _race(lambda: api_as("grid1"), f"/tasks/{task_id}/complete", {"variables": {"approved": True}})
    assert codes.count(200) == 1 and codes.count(409) == len(codes) - 1, codes
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance_id).status == "completed"
    completed = db.session.scalar(select(func.count()).select_from(InstanceEvent).where(
        InstanceEvent.instance_id == instance_id, InstanceEvent.kind == "task_completed"))
    assert completed == 1


def test_parallel_claims_one_wins(api_as, deploy_fixture):
    _start_review(api_as, deploy_fixture)
    task_id = api_as("grid1").get("/tasks").json[0]["id"]
    from govflow.database import commit, writing
    from govflow.identity.service import create_user, grant_role
    with writing():
        for n in range(8):
            grant_role(create_user(f"gw{n}", "password-123"), "grid_worker@grid_yg_1")
        commit()
    names = iter([f"gw{n}" for n in range(8)])
    codes = _race(lambda: api_as(next(names)), f"/tasks/{task_id}/claim", None, n=8)
    assert codes.count(200) == 1 and codes.count(409) == 7, codes
