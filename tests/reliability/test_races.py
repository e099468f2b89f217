"""200 parallel HTTP requests on one task against gunicorn's two workers: exactly one
completion (or claim) wins, the other 199 get 409, and the instance stays consistent."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from govflow.extensions import db
from govflow.instances.models import InstanceEvent, ProcessInstance
from govflow.worklist.models import HumanTask

from .live import Client

ATTEMPTS = 200


def _start_review(port, admin_token, deploy_fixture) -> tuple[int, int]:
    deploy_fixture("review.bpmn")
    admin = Client(port, admin_token)
    status, body, _ = admin.post("/process-instances", {
        "process_key": "review", "org_unit": "grid_yg_1", "variables": {"rounds": 0}})
    assert status == 201, body
    status, detail, _ = admin.get(f"/process-instances/{body['id']}")
    return body["id"], detail["tasks"][0]["id"]


def _race(clients, path, body) -> list[int]:
    def attempt(client):
        return client.post(path, body)[0]
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return sorted(pool.map(attempt, clients))


def _events(instance_id, kind) -> int:
    return db.session.scalar(select(func.count()).select_from(InstanceEvent).where(
        InstanceEvent.instance_id == instance_id, InstanceEvent.kind == kind))


def test_200_parallel_completions_one_wins(server, token_for, deploy_fixture):
    port, _ = server
    instance_id, task_id = _start_review(port, token_for("admin"), deploy_fixture)
    token = token_for("grid1")
    codes = _race([Client(port, token) for _ in range(ATTEMPTS)],
                  f"/tasks/{task_id}/complete", {"variables": {"approved": True}})
    assert codes.count(200) == 1 and codes.count(409) == ATTEMPTS - 1, sorted(set(codes))
    db.session.rollback()
    instance = db.session.get(ProcessInstance, instance_id)
    assert instance.status == "completed"
    assert _events(instance_id, "task_completed") == 1
    assert db.session.get(HumanTask, task_id).status == "completed"
    assert instance.variables["approved"] is True


def test_200_parallel_claims_one_wins(server, token_for, deploy_fixture):
    from govflow.database import commit, writing
    from govflow.identity.service import create_user, grant_role, issue_token
    port, _ = server
    instance_id, task_id = _start_review(port, token_for("admin"), deploy_fixture)
    with writing():
        tokens = []
        for n in range(ATTEMPTS):
            user = create_user(f"racer{n}", "password-123")
            grant_role(user, "grid_worker@grid_yg_1")
            tokens.append(issue_token(user, "race"))
        commit()
    codes = _race([Client(port, t) for t in tokens], f"/tasks/{task_id}/claim", None)
    assert codes.count(200) == 1 and codes.count(409) == ATTEMPTS - 1, sorted(set(codes))
    db.session.rollback()
    task = db.session.get(HumanTask, task_id)
    assert task.status == "open" and task.assignee_id is not None
    assert _events(instance_id, "task_claimed") == 1
