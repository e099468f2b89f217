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


def test_parallel_branches_completed_at_once_all_count(api_as, deploy_fixture, monkeypatch):
    """Four branches of one instance completed at the same moment: each completion reads
    the engine state under the instance's lock, so none is lost and the join fires.
    No engine cache: as with several gunicorn workers, every step loads the stored state."""
    from govflow.instances.runtime import engine_cache
    monkeypatch.setattr(engine_cache, "capacity", 0)
    deploy_fixture("parallel_join.bpmn")
    r = api_as("admin").post("/process-instances", {"process_key": "parallel_join", "org_unit": "grid_yg_1"})
    assert r.status_code == 201
    instance_id = r.json["id"]
    tasks = [t["id"] for t in api_as("grid1").get("/tasks").json if t["instance_id"] == instance_id]
    assert len(tasks) == 4
    clients = [api_as("grid1") for _ in tasks]
    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        codes = list(pool.map(lambda pair: pair[0].post(f"/tasks/{pair[1]}/complete", {"variables": {}}).status_code,
                              zip(clients, tasks)))
    assert codes == [200] * 4, codes
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance_id).status == "completed"
    completed = db.session.scalar(select(func.count()).select_from(InstanceEvent).where(
        InstanceEvent.instance_id == instance_id, InstanceEvent.kind == "task_completed"))
    assert completed == 4


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


def test_a_stale_instance_row_is_never_overwritten(api_as, deploy_fixture):
    """The step's rows are written by Core UPDATEs with the ORM's version check: had the
    row changed since it was read under the lock (a bug elsewhere, a hand edit), the
    write refuses and the request's unit of work is rolled back."""
    import pytest
    from sqlalchemy import update
    from sqlalchemy.orm.exc import StaleDataError

    from govflow.database import writing
    from govflow.identity.access import principal_for
    from govflow.identity.service import get_user
    from govflow.instances.runtime import changing
    instance_id = _start_review(api_as, deploy_fixture)
    db.session.remove()
    before = db.session.get(ProcessInstance, instance_id).lock_version
    db.session.remove()
    with writing(), pytest.raises(StaleDataError):
        with changing(instance_id, principal_for(get_user("admin")).user_id) as change:
            change.keep_engine_state()
            change.instance.title = "改过的标题"
            # Behind the ORM's back, in the same transaction: the version moves on.
            db.session.execute(update(ProcessInstance.__table__).where(ProcessInstance.__table__.c.id == instance_id)
                               .values(lock_version=before + 5))
    db.session.rollback()
    db.session.remove()
    row = db.session.get(ProcessInstance, instance_id)
    assert row.lock_version == before and row.title != "改过的标题"


def test_a_stale_completion_writes_nothing(api_as, deploy_fixture, monkeypatch):
    """A whole step refused at its version check (state, closed task, new task, audit —
    on PostgreSQL one statement with the instance's UPDATE): nothing of it stays."""
    import pytest
    from sqlalchemy import update
    from sqlalchemy.orm.exc import StaleDataError

    from govflow.database import writing
    from govflow.identity.access import principal_for
    from govflow.identity.service import get_user
    from govflow.instances import sync
    from govflow.instances.models import InstanceState
    from govflow.worklist.models import HumanTask
    from govflow.worklist.service import complete_task
    instance_id = _start_review(api_as, deploy_fixture)
    task_id = api_as("grid1").get("/tasks").json[0]["id"]
    db.session.remove()
    table = ProcessInstance.__table__
    before = (db.session.get(ProcessInstance, instance_id).lock_version,
              db.session.get(InstanceState, instance_id).data,
              db.session.scalar(select(func.count()).select_from(InstanceEvent)),
              db.session.scalar(select(func.count()).select_from(HumanTask)))
    db.session.remove()

    def behind_the_back(_writes, _rows):  # the version moves on while the step runs
        db.session.connection().execute(update(table).where(table.c.id == instance_id)
                                        .values(lock_version=table.c.lock_version + 5))

    monkeypatch.setattr(sync, "on_tasks_created", [*sync.on_tasks_created, behind_the_back])
    with writing(), pytest.raises(StaleDataError):
        complete_task(task_id, principal_for(get_user("grid1")), {"approved": False})  # → 返工, a new task
    db.session.rollback()
    db.session.remove()
    after = (db.session.get(ProcessInstance, instance_id).lock_version,
             db.session.get(InstanceState, instance_id).data,
             db.session.scalar(select(func.count()).select_from(InstanceEvent)),
             db.session.scalar(select(func.count()).select_from(HumanTask)))
    assert after == before
    assert db.session.get(HumanTask, task_id).status == "open"


def test_a_lock_awaited_reads_what_the_holder_committed(app, api_as, deploy_fixture):
    """The locking read waits while another transaction holds the instance; what that
    one changed under the lock (a task, the engine state) is what the waiter then works
    with — on PostgreSQL the statement's snapshot predates the wait, so it reads again."""
    import threading
    import time

    from sqlalchemy import update

    from govflow.database import writing
    from govflow.instances.models import InstanceState
    from govflow.instances.runtime import lock_task_instance
    from govflow.worklist.models import HumanTask
    instance_id = _start_review(api_as, deploy_fixture)
    task_id = api_as("grid1").get("/tasks").json[0]["id"]
    db.session.remove()
    state = db.session.get(InstanceState, instance_id).data
    db.session.remove()
    tasks, instances = HumanTask.__table__, ProcessInstance.__table__
    seen: dict = {}

    def waiter():
        with app.app_context(), writing():
            task, instance = lock_task_instance(task_id)
            seen.update(priority=task.priority, version=instance.lock_version,
                        state=db.session.info["govflow_state"][instance.id])  # what load_engine takes
            db.session.rollback()

    thread = threading.Thread(target=waiter)
    with writing(), db.engine.connect() as holder:  # SQLite: BEGIN IMMEDIATE
        try:
            holder.execute(select(instances.c.id).where(instances.c.id == instance_id).with_for_update())
            holder.execute(update(tasks).where(tasks.c.id == task_id).values(priority=77))
            holder.execute(update(InstanceState.__table__).where(InstanceState.__table__.c.instance_id == instance_id)
                           .values(data=state + " "))  # still the same JSON, but told apart
            holder.execute(update(instances).where(instances.c.id == instance_id)
                           .values(lock_version=instances.c.lock_version + 1))
            thread.start()
            time.sleep(0.5)
            assert thread.is_alive()  # waiting for the lock
        finally:
            holder.commit()
    thread.join(10)
    db.session.remove()
    assert seen == {"priority": 77, "version": db.session.get(ProcessInstance, instance_id).lock_version,
                    "state": state + " "}
