"""Instance lists and dashboard lights that choose their SQL plans for speed
(docs/PERFORMANCE.md, target 4) answer exactly what the plain queries answer."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from govflow.admin.dashboard import light_of
from govflow.database import commit, writing
from govflow.extensions import db
from govflow.instances import listing
from govflow.instances.listing import subtree_paths
from govflow.instances.models import ProcessInstance
from govflow.instances.service import start_instance, transition
from govflow.timeutil import utcnow
from govflow.worklist.inbox import deadline_light
from govflow.worklist.models import HumanTask

GRIDS = ["grid_yg_1", "grid_yg_2", "grid_xf_1", "grid_yg_1", "grid_xf_1", "grid_yg_2", "grid_yg_1"]
QUERIES = ["limit=50", "status=active&limit=50", "status=terminated&limit=50", "process_key=review&limit=3&offset=2",
           "org_unit=comm_yangguang&limit=50", "org_unit=grid_xf_1&status=active", "org_unit=comm_xingfu&limit=2",
           "limit=2&offset=5", "limit=5&offset=50"]


@pytest.fixture
def instances(deploy_fixture):
    deploy_fixture("review.bpmn")
    with writing():
        ids = [start_instance("review", grid, {"rounds": 0}).id for grid in GRIDS]
        for instance_id in ids[::3]:
            transition(instance_id, "terminate", None, "test")
        commit()
    return ids


def _answers(api_as, monkeypatch, scan_above: int) -> dict:
    monkeypatch.setattr(listing, "SCAN_ABOVE", scan_above)
    out = {}
    for user in ("admin", "secretary", "street", "grid3"):
        client = api_as(user)
        for query in QUERIES:
            response = client.get(f"/process-instances?{query}")
            assert response.status_code == 200, response.get_data(as_text=True)
            out[user, query] = ([i["id"] for i in response.json], response.headers["X-Total-Count"])
    return out


def test_both_plans_give_the_pages_and_totals_of_the_plain_query(api_as, instances, monkeypatch):
    walked, indexed = _answers(api_as, monkeypatch, 0), _answers(api_as, monkeypatch, 10_000)
    assert walked == indexed
    rows = db.session.scalars(select(ProcessInstance).order_by(ProcessInstance.id.desc())).all()
    yangguang = [r.id for r in rows if r.org_unit_id in _unit_ids("grid_yg_1", "grid_yg_2")]
    assert walked["secretary", "limit=50"] == (yangguang, str(len(yangguang)))
    assert walked["admin", "limit=2&offset=5"][0] == [r.id for r in rows][5:7]
    assert walked["admin", "status=terminated&limit=50"][0] == [r.id for r in rows if r.status == "terminated"]
    assert walked["secretary", "org_unit=comm_xingfu&limit=2"] == ([], "0")   # outside the jurisdiction
    assert walked["street", "org_unit=comm_xingfu&limit=2"][0] == [
        r.id for r in rows if r.org_unit_id in _unit_ids("grid_xf_1")][:2]


def _unit_ids(*codes) -> set[int]:
    from govflow.identity.models import OrgUnit
    return set(db.session.scalars(select(OrgUnit.id).where(OrgUnit.code.in_(codes))))


def test_subtree_paths_narrow_the_jurisdiction_to_the_unit():
    assert subtree_paths(None, None) is None
    assert subtree_paths(None, "/1/2/") == {"/1/2/"}
    assert subtree_paths({"/1/"}, "/1/2/") == {"/1/2/"}
    assert subtree_paths({"/1/2/3/", "/1/4/"}, "/1/2/") == {"/1/2/3/"}
    assert subtree_paths({"/1/4/"}, "/1/2/") == set()


def test_sql_lights_agree_with_the_python_rule(instances):
    tasks = db.session.scalars(select(HumanTask).where(HumanTask.status == "open")).all()
    now = utcnow()
    shapes = [(None, 1), (-1, 5), (30, 1), (1, 3), (1, 9), (0, 0), (2, 4)]  # (due in h, age in h)
    for task, (due, age) in zip(tasks, shapes):
        task.created_at = now - timedelta(hours=age)
        task.due_at = None if due is None else now + timedelta(hours=due)
    db.session.commit()
    light = light_of(now, 2 / 3)
    in_sql = dict(db.session.execute(select(HumanTask.id, light).where(HumanTask.status == "open")).all())
    expected = {t.id: deadline_light(t, now, 2 / 3) or "none" for t in tasks}
    assert in_sql == expected
    assert set(expected.values()) == {"none", "red", "yellow", "green"}


def test_search_plans_for_the_values_at_hand_on_postgresql(api_as, instances):
    """psycopg prepares a statement after its fifth run and PostgreSQL may then reuse one
    generic plan for every jurisdiction (190 ms instead of 1 ms for a district at 100,000
    instances, benchmarks/volume.py); the search asks for plans of its own values, for its
    transaction only."""
    from sqlalchemy import event, text
    seen = []

    def record(conn, cursor, statement, *_):
        seen.append(statement)
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for _ in range(7):
            assert api_as("street").get("/process-instances?status=active&limit=50").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    settings = [s for s in seen if "plan_cache_mode" in s]
    if db.engine.dialect.name != "postgresql":
        assert settings == []
        return
    assert len(settings) == 7
    first_search = next(i for i, s in enumerate(seen) if "FROM process_instances" in s)
    assert seen.index(settings[0]) < first_search
    with db.engine.connect() as conn:   # SET LOCAL: nothing leaks into the pool
        assert conn.scalar(text("SHOW plan_cache_mode")) == "auto"
