"""Units and users administered through the services: moves re-path open work, deactivation
keeps references, grants and passwords follow the identity rules, and every change is audited."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from govflow.errors import Conflict, ValidationFailed
from govflow.extensions import db
from govflow.identity.access import principal_for
from govflow.identity.login import LoginRefused, authenticate
from govflow.identity.service import get_org_unit, get_user, issue_token, principal_for_token
from govflow.instances.models import ProcessInstance
from govflow.instances.service import start_instance
from govflow.organisation.audit import audit_of
from govflow.organisation.units import create_unit, move_unit, org_tree, rename_unit, set_unit_active
from govflow.organisation.users import (
    add_grant,
    add_user,
    reset_password,
    revoke_grant,
    revoke_user_token,
    search_users,
    set_user_active,
    tokens_of,
    unlock_user,
    update_user,
)
from govflow.timeutil import utcnow
from govflow.worklist.inbox import list_tasks
from govflow.worklist.models import HumanTask, TaskCandidate


def test_moving_a_community_re_paths_its_subtree_and_its_open_work(web_case, admin):
    from govflow.instances.service import start_instance
    instance = start_instance("web_case", "grid_yg_1", {"title": "路灯", "category": "road", "description": "d"})
    street = create_unit(admin, "street_new", "新街道", "street", "demo_district")
    old_grid_path = get_org_unit("grid_yg_1").path

    move_unit(admin, "comm_yangguang", "street_new")
    grid = get_org_unit("grid_yg_1")
    assert grid.path == f"{street.path}{get_org_unit('comm_yangguang').id}/{grid.id}/" != old_grid_path
    assert db.session.get(ProcessInstance, instance.id).org_path == grid.path
    task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance.id))
    assert task.scope_path == grid.path
    assert {c.scope_path for c in db.session.scalars(select(TaskCandidate))} == {grid.path}
    assert get_org_unit("grid_xf_1").path.startswith(get_org_unit("street_heping").path)  # siblings untouched
    # jurisdiction follows: the grid worker still sees it, the old street no longer covers it
    assert [t.id for t in list_tasks(principal_for(get_user("grid1")))[0]] == [task.id]
    assert not principal_for(get_user("street")).covers(task.scope_path)
    assert "street_heping → street_new" in audit_of(org_unit_id=get_org_unit("comm_yangguang").id)[0].detail


def test_moves_into_the_own_subtree_or_under_deactivated_units_are_refused(org, admin):
    with pytest.raises(ValidationFailed, match="own subtree"):
        move_unit(admin, "street_heping", "grid_yg_1")
    set_unit_active(admin, "dept_env", False)
    with pytest.raises(ValidationFailed, match="deactivated"):
        move_unit(admin, "grid_yg_1", "dept_env")


def test_deactivation_keeps_the_unit_and_blocks_new_children_and_grants(org, admin):
    with pytest.raises(Conflict, match="sub-units"):
        set_unit_active(admin, "comm_xingfu", False)
    set_unit_active(admin, "grid_xf_1", False)
    set_unit_active(admin, "comm_xingfu", False)
    assert get_org_unit("grid_xf_1").is_active is False  # still there: grants and instances refer to it
    assert [g.org_unit.code for g in get_user("grid3").grants] == ["grid_xf_1"]
    with pytest.raises(ValidationFailed, match="deactivated"):
        create_unit(admin, "grid_xf_2", "第二网格", "grid", "comm_xingfu")
    with pytest.raises(ValidationFailed, match="deactivated"):
        add_grant(admin, get_user("grid1"), "grid_worker@grid_xf_1")
    with pytest.raises(ValidationFailed, match="deactivated"):   # no new cases there either
        start_instance("any_process", "grid_xf_1")
    with pytest.raises(Conflict, match="parent"):
        set_unit_active(admin, "grid_xf_1", True)
    set_unit_active(admin, "comm_xingfu", True)
    set_unit_active(admin, "grid_xf_1", True)
    assert [a.action for a in audit_of(org_unit_id=get_org_unit("grid_xf_1").id)] == ["unit.activate",
                                                                                      "unit.deactivate"]


def test_tree_counts_active_users_per_unit(org, admin):
    def node(code, nodes=None):
        for n in nodes if nodes is not None else org_tree():
            if n.unit.code == code:
                return n
            found = node(code, n.children)
            if found:
                return found
    assert node("grid_yg_1").users == 1 and node("comm_yangguang").subtree_users == 5
    set_user_active(admin, get_user("grid1"), False)
    assert node("grid_yg_1").users == 0


def test_unit_fields_are_checked(org, admin):
    with pytest.raises(ValidationFailed) as info:
        create_unit(admin, "bad code", "", "village", None)
    assert set(info.value.errors) == {"code", "name", "kind"}
    with pytest.raises(ValidationFailed, match="exists"):
        create_unit(admin, "grid_yg_1", "重复", "grid", "comm_yangguang")
    with pytest.raises(ValidationFailed):
        rename_unit(admin, "grid_yg_1", "长" * 201)


def test_users_are_created_edited_deactivated_and_searched(org, admin):
    user, one_time = add_user(admin, "newbie", "新人", "13800000009", grants=["grid_worker@grid_yg_2"])
    assert len(one_time) == 12 and authenticate("newbie", one_time, "10.0.0.1", current_app.config["GOVFLOW"]) is user
    with pytest.raises(ValidationFailed) as info:
        add_user(admin, "x y", "", "555")
    assert set(info.value.errors) == {"username", "display_name", "phone"}
    update_user(admin, user, "新人甲", "021-12345678")
    assert "name: 新人 → 新人甲" in audit_of(user_id=user.id)[0].detail
    set_user_active(admin, user, False)
    with pytest.raises(LoginRefused):
        authenticate("newbie", one_time, "10.0.0.1", current_app.config["GOVFLOW"])
    with pytest.raises(Conflict, match="yourself"):
        set_user_active(admin, get_user("admin"), False)
    page = search_users("新人")
    assert [u.username for u in page.rows] == ["newbie"] and page.total == 1
    assert search_users("", page=2, size=10).page == 2 and search_users("", page=99, size=10).page == 3


def test_password_reset_unlock_grants_tokens_and_their_audit(org, admin):
    user = get_user("grid2")
    user.locked_until, user.failed_logins = utcnow() + timedelta(minutes=10), 3
    unlock_user(admin, user)
    assert user.locked_until is None and user.failed_logins == 0
    with pytest.raises(ValidationFailed, match="short"):
        reset_password(admin, user, "short")
    assert reset_password(admin, user, "a-good-password") is None
    assert authenticate("grid2", "a-good-password", "10.0.0.1", current_app.config["GOVFLOW"]) is user
    grant = add_grant(admin, user, "community_staff@comm_yangguang")
    revoke_grant(admin, user, grant.id)
    assert [g.role for g in user.grants] == ["grid_worker"]
    with pytest.raises(Conflict, match="own admin"):
        admin_user = get_user("admin")
        revoke_grant(admin, admin_user, admin_user.grants[0].id)
    token = issue_token(user, "hotline")
    revoke_user_token(admin, user, tokens_of(user)[0].id)
    assert principal_for_token(token) is None
    actions = [a.action for a in audit_of(user_id=user.id)]
    assert actions == ["token.revoke", "grant.revoke", "grant.add", "user.password_reset", "user.unlock"]
    row = audit_of(user_id=user.id)[0]
    assert row.actor == "admin" and row.actor_id == admin.user_id and row.at is not None
    assert "a-good-password" not in " ".join(a.detail for a in audit_of())
