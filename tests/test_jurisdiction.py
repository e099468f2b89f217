"""The one visibility rule, as a predicate and as SQL, agrees everywhere."""
from sqlalchemy import select

from govflow.database import commit, writing
from govflow.extensions import db
from govflow.identity.access import can_see_task, principal_for, visible_tasks_clause
from govflow.identity.models import User
from govflow.instances.service import start_instance
from govflow.worklist.models import HumanTask

GRIDS = ["grid_yg_1", "grid_yg_2", "grid_xf_1"]


def _start_everywhere(deploy_fixture):
    deploy_fixture("review.bpmn")
    with writing():
        for grid in GRIDS:
            start_instance("review", grid, {"rounds": 0})
        commit()


def test_grid_workers_see_only_their_grid(api_as, deploy_fixture):
    _start_everywhere(deploy_fixture)
    seen = {}
    for user in ("grid1", "grid2", "grid3"):
        seen[user] = api_as(user).get("/tasks").json
        assert len(seen[user]) == 1
    assert len({t["id"] for tasks in seen.values() for t in tasks}) == 3
    other = seen["grid2"][0]["id"]
    grid1 = api_as("grid1")
    for url in (f"/tasks/{other}", ):
        assert grid1.get(url).status_code == 404
    for action in ("claim", "unclaim", "complete"):
        assert grid1.post(f"/tasks/{other}/{action}", {"variables": {}}).status_code == 404
    instance = seen["grid2"][0]["instance_id"]
    assert grid1.get(f"/process-instances/{instance}").status_code == 404
    assert grid1.get(f"/process-instances/{instance}/events").status_code == 404
    assert {i["id"] for i in grid1.get("/process-instances").json} == {seen["grid1"][0]["instance_id"]}


def test_predicate_and_sql_agree_for_every_user_and_task(org, deploy_fixture):
    _start_everywhere(deploy_fixture)
    tasks = db.session.scalars(select(HumanTask)).all()
    # a community secretary's grant covers the community's grids via the path prefix
    for task in tasks:
        task.candidate_groups = ["grid_worker", "community_secretary", "street_officer"]
    db.session.flush()
    from govflow.worklist.models import TaskCandidate
    for task in tasks:
        for role in ("community_secretary", "street_officer"):
            db.session.add(TaskCandidate(task_id=task.id, role=role, scope_path=task.scope_path))
    db.session.flush()
    for user in db.session.scalars(select(User)):
        p = principal_for(user)
        by_sql = set(db.session.scalars(select(HumanTask.id).where(visible_tasks_clause(p))))
        by_predicate = {t.id for t in tasks if can_see_task(p, t)}
        assert by_sql == by_predicate, user.username
    secretary = principal_for(db.session.scalar(select(User).where(User.username == "secretary")))
    assert len(set(db.session.scalars(select(HumanTask.id).where(visible_tasks_clause(secretary))))) == 2
    street = principal_for(db.session.scalar(select(User).where(User.username == "street")))
    assert len(set(db.session.scalars(select(HumanTask.id).where(visible_tasks_clause(street))))) == 3
    db.session.rollback()


def test_a_revoked_grant_empties_the_list_at_once(api_as, deploy_fixture):
    """The API's list statements are kept per caller: a grant taken away is a new caller."""
    _start_everywhere(deploy_fixture)
    grid1 = api_as("grid1")
    assert len(grid1.get("/tasks").json) == 1
    assert len(grid1.get("/tasks").json) == 1  # the second read reuses the statement
    with writing():
        user = db.session.scalar(select(User).where(User.username == "grid1"))
        user.grants.clear()
        commit()
    assert grid1.get("/tasks").json == []
