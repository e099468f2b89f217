"""One rulebook: the REST API obeys the rules the pages obey, because both call the
same use-case functions. Each test is an attack or a slip an integrator made
through REST; the answer must be a refusal that changes nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from govflow.database import commit, writing
from govflow.extensions import db
from govflow.instances.models import InstanceEvent, ProcessInstance
from govflow.worklist.models import HumanTask
from tests.web.conftest import web_case  # noqa: F401  (fixture)

REPORT = {"title": "三号楼路灯不亮", "category": "road", "description": "晚上七点后不亮"}


def _events(instance_id) -> int:
    return len(db.session.scalars(select(InstanceEvent.id).where(InstanceEvent.instance_id == instance_id)).all())


def _open(instance_id, element_id) -> HumanTask | None:
    db.session.expire_all()
    return db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                     HumanTask.element_id == element_id, HumanTask.status == "open"))


# -- messages -------------------------------------------------------------------------
@pytest.fixture
def waiting_rating(api_as, deploy_fixture):
    """A rating instance in 阳光一网格 waiting for ``case_rated`` (business key R-1)."""
    deploy_fixture("rating.bpmn")
    admin = api_as("admin")
    started = admin.post("/process-instances", json={
        "process_key": "rating", "org_unit": "grid_yg_1", "business_key": "R-1",
        "variables": {"publisher": "admin", "publish_by": "P1D", "callback_users": ["grid1"], "urgent": False}})
    assert started.status_code == 201, started.json
    task_id = started.json["tasks"][0]["id"]
    assert admin.post(f"/tasks/{task_id}/complete", json={}).status_code == 200
    return started.json["id"]


def test_a_message_reaches_only_instances_in_the_callers_jurisdiction(api_as, waiting_rating):
    outsider = api_as("grid3")  # 幸福一网格
    before = _events(waiting_rating)
    by_id = outsider.post("/messages", json={"name": "case_rated", "instance_id": waiting_rating,
                                             "variables": {"satisfaction": "satisfied"}})
    by_key = outsider.post("/messages", json={"name": "case_rated", "business_key": "R-1",
                                              "variables": {"satisfaction": "satisfied"}})
    unknown = outsider.post("/messages", json={"name": "case_rated", "business_key": "R-404"})
    assert by_id.status_code == by_key.status_code == unknown.status_code == 404
    assert by_key.json["message"] == unknown.json["message"]  # existence is not revealed
    assert _events(waiting_rating) == before
    assert db.session.get(ProcessInstance, waiting_rating).awaiting == "case_rated"
    inside = api_as("grid1").post("/messages", json={"name": "case_rated", "business_key": "R-1",
                                                     "variables": {"satisfaction": "satisfied"}})
    assert inside.status_code == 200 and inside.json["instance_ids"] == [waiting_rating]


@pytest.mark.parametrize("variables, field_text", [
    ({"org_unit": "grid_xf_1"}, "set by the platform"),
    ({"business_key": "X"}, "set by the platform"),
    ({"satisfaction": {"typename": "UUID", "value": "not-a-uuid"}}, "reserved key"),
    ({"satisfaction": [{"deep": {"typename": "datetime", "value": "x"}}]}, "reserved key"),
    ({"_juel_get": 1}, "not a valid variable name"),
    ({"n": 10 ** 30}, "64-bit"),
])
def test_message_variables_are_plain_json_and_cannot_write_platform_variables(
        api_as, waiting_rating, variables, field_text):
    grid = api_as("grid1")
    refused = grid.post("/messages", json={"name": "case_rated", "instance_id": waiting_rating,
                                           "variables": variables})
    assert refused.status_code == 422, refused.json
    assert field_text in " ".join(refused.json["errors"]["variables"])
    # nothing was stored, and the instance still takes a good message
    assert grid.post("/messages", json={"name": "case_rated", "instance_id": waiting_rating,
                                        "variables": {"satisfaction": "satisfied"}}).status_code == 200
    assert db.session.get(ProcessInstance, waiting_rating).status == "completed"


def test_start_variables_obey_the_same_rule(api_as, web_case):
    refused = api_as("grid1").post("/process-instances", json={
        "process_key": "web_case", "org_unit": "grid_yg_1",
        "variables": {**REPORT, "org_unit": "grid_xf_1", "extra": {"typename": "UUID", "value": "x"}}})
    assert refused.status_code == 422
    assert db.session.scalar(select(ProcessInstance.id)) is None


# -- starting ---------------------------------------------------------------------------
def test_rest_start_honours_candidate_starter_groups(api_as, web_case):
    # 街道干部 cover 阳光一网格 but web_case names grid_worker and community_secretary as starters
    refused = api_as("street").post("/process-instances", json={
        "process_key": "web_case", "org_unit": "grid_yg_1", "variables": dict(REPORT)})
    assert refused.status_code == 404
    assert db.session.scalar(select(ProcessInstance.id)) is None
    allowed = api_as("grid1").post("/process-instances", json={
        "process_key": "web_case", "org_unit": "grid_yg_1", "variables": dict(REPORT)})
    assert allowed.status_code == 201, allowed.json


# -- completing, delegation, comments --------------------------------------------------
@pytest.fixture
def verify_task(api_as, web_case):
    started = api_as("grid1").post("/process-instances", json={
        "process_key": "web_case", "org_unit": "grid_yg_1", "variables": dict(REPORT)})
    assert started.status_code == 201, started.json
    return started.json["tasks"][0]["id"], started.json["id"]


def test_a_delegated_task_is_only_resolved_by_its_delegate(api_as, verify_task):
    task_id, instance_id = verify_task
    grid, cstaff = api_as("grid1"), api_as("cstaff")
    assert grid.post(f"/tasks/{task_id}/claim").status_code == 200
    delegated = grid.post(f"/tasks/{task_id}/delegate", json={"user": "cstaff", "comment": "请协助核实"})
    assert delegated.status_code == 200 and delegated.json["assignee"] == "cstaff"
    assert db.session.get(HumanTask, task_id).delegation_state == "pending"
    answer = {"variables": {"approved": True, "note": "属实"}}
    assert grid.post(f"/tasks/{task_id}/complete", json=answer).status_code == 409
    assert grid.post(f"/tasks/{task_id}/unclaim").status_code == 409
    assert cstaff.post(f"/tasks/{task_id}/complete", json=answer).status_code == 409
    assert cstaff.post(f"/tasks/{task_id}/unclaim").status_code == 409
    assert cstaff.post(f"/tasks/{task_id}/transfer", json={"user": "secretary"}).status_code == 409
    assert cstaff.post(f"/tasks/{task_id}/resolve", json={}).status_code == 422  # 意见 required
    assert _open(instance_id, "verify").status == "open"
    resolved = cstaff.post(f"/tasks/{task_id}/resolve", json={"comment": "已到现场核实"})
    assert resolved.status_code == 200 and resolved.json["assignee"] == "grid1"
    assert grid.post(f"/tasks/{task_id}/complete", json=answer).status_code == 200


def test_required_comment_and_its_limit_are_the_same_over_rest(api_as, verify_task):
    task_id, instance_id = verify_task
    assert api_as("grid1").post(f"/tasks/{task_id}/complete",
                                json={"variables": {"approved": True}}).status_code == 200
    review = _open(instance_id, "review")
    secretary = api_as("secretary")
    missing = secretary.post(f"/tasks/{review.id}/complete", json={"variables": {"decision": "close"}})
    assert missing.status_code == 422 and "comment" in missing.json["errors"]
    too_long = secretary.post(f"/tasks/{review.id}/complete",
                              json={"variables": {"decision": "close"}, "comment": "意" * 2001})
    assert too_long.status_code == 422 and "comment" in too_long.json["errors"]
    for action in ("transfer", "delegate"):
        long_note = secretary.post(f"/tasks/{review.id}/{action}", json={"user": "cstaff", "comment": "x" * 2001})
        assert long_note.status_code == 422
    assert _open(instance_id, "review") is not None
    done = secretary.post(f"/tasks/{review.id}/complete",
                          json={"variables": {"decision": "close"}, "comment": "意" * 2000})
    assert done.status_code == 200


# -- files ---------------------------------------------------------------------------
def test_a_file_field_names_only_the_callers_uploads_or_files_of_this_case(api_as, web_case):
    grid1, grid2 = api_as("grid1"), api_as("grid2")
    mine = grid1.upload()
    first = grid1.post("/process-instances", json={"process_key": "web_case", "org_unit": "grid_yg_1",
                                                   "variables": {**REPORT, "photos": [mine]}})
    assert first.status_code == 201, first.json
    # the photo now belongs to the first case: it cannot be reused for another one
    reused = grid1.post("/process-instances", json={"process_key": "web_case", "org_unit": "grid_yg_1",
                                                    "variables": {**REPORT, "photos": [mine]}})
    assert reused.status_code == 422 and reused.json["errors"] == {"photos": ["not_an_upload"]}
    theirs = grid2.upload()
    for ids in ([theirs], ["up_made_up"], [mine, theirs]):
        refused = grid1.post("/process-instances", json={"process_key": "web_case", "org_unit": "grid_yg_1",
                                                         "variables": {**REPORT, "photos": ids}})
        assert refused.status_code == 422, ids
    assert db.session.scalar(select(db.func.count(ProcessInstance.id))) == 1
    # the case's own photo is readable by who may read the case, not by others
    assert grid1.get(f"/attachments/{mine}").status_code == 200
    assert api_as("grid3").get(f"/attachments/{mine}").status_code == 404


# -- administrators -----------------------------------------------------------------
@pytest.fixture
def community_admin(org):
    """An administrator of 幸福社区 only."""
    from govflow.identity.models import RoleGrant
    from govflow.identity.service import create_user, get_org_unit
    with writing():
        user = create_user("xfadmin", "govflow-demo", "幸福社区管理员")
        db.session.add(RoleGrant(user_id=user.id, role="admin", org_unit_id=get_org_unit("comm_xingfu").id))
        commit()
    return "xfadmin"


def test_an_administrator_of_one_community_cannot_touch_another(api_as, verify_task, community_admin):
    _task_id, instance_id = verify_task  # in 阳光社区
    xf = api_as(community_admin)
    assert xf.post(f"/process-instances/{instance_id}/suspend", json={"reason": "x"}).status_code == 404
    assert xf.post(f"/admin/instances/{instance_id}/operations",
                   json={"operation": "suspend", "reason": "测试"}).status_code == 404
    assert xf.get(f"/process-instances/{instance_id}").status_code == 404
    assert instance_id not in [row["id"] for row in xf.get("/admin/instances").json]
    assert db.session.get(ProcessInstance, instance_id).status == "active"
    # the district administrator may
    assert api_as("admin").post(f"/admin/instances/{instance_id}/operations",
                                json={"operation": "suspend", "reason": "测试"}).status_code == 200


def test_a_community_administrators_dashboard_counts_only_its_units(api_as, verify_task, community_admin):
    from govflow.admin.dashboard import light_table, open_tasks
    from govflow.identity.access import principal_for
    from govflow.identity.service import get_user
    scoped = light_table(open_tasks(principal_for(get_user(community_admin))), 2 / 3)
    everything = light_table(open_tasks(principal_for(get_user("admin"))), 2 / 3)
    assert [row["unit"].code for row in everything] == ["grid_yg_1"]
    assert scoped == []
