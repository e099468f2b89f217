"""Who starts 双报到 and who fills in its first step (由党员本人填写)."""
import pytest

from govflow.database import commit, writing
from govflow.engine import clock
from govflow.errors import NotFound
from govflow.identity.access import can_work_task, principal_for
from govflow.identity.service import get_user
from govflow.worklist.catalogue import startable_definitions
from govflow.worklist.starting import start_process
from tests.processes.test_dual_steps import dual_deployed, employer_confirm, register  # noqa: F401
from tests.processes.test_owners_branch_dual_support import elements, t0, task, variables


def started_by(username: str, at) -> int:
    with clock.frozen_at(at), writing():
        instance = start_process(principal_for(get_user(username)), "dual_reporting", "comm_yangguang", {})
        commit()
    return instance.id


def test_the_member_who_starts_it_fills_in_the_registration(dual_deployed):
    at = t0()
    iid = started_by("member", at)
    assert (variables(iid)["initiator"], variables(iid)["member_username"]) == ("member", "member")
    row = task("member", "register_member", iid)
    assert row.assignee_id == get_user("member").id
    assert not can_work_task(principal_for(get_user("cstaff")), task("cstaff", "register_member", iid))
    register(iid, at)
    assert elements("member", iid) == [] and elements("unitsec", iid) == ["employer_confirm"]
    employer_confirm(iid, at)
    assert elements("secretary", iid) == ["community_accept"]


def test_staff_who_start_it_for_someone_leave_it_to_the_staff_pool(dual_deployed):
    at = t0()
    iid = started_by("cstaff", at)
    assert variables(iid)["initiator"] == "cstaff" and variables(iid)["member_username"] is None
    row = task("cstaff", "register_member", iid)
    assert row.assignee_id is None and elements("member", iid) == []


@pytest.mark.parametrize("username, keys", [
    ("member", ["dual_reporting"]),
    ("cstaff", ["dual_reporting", "dual_reporting_unit"]),
    ("unitsec", []),
    ("designer", []),
    ("admin", ["dual_reporting", "dual_reporting_unit"]),
])
def test_only_starters_may_start_it(dual_deployed, username, keys):
    p = principal_for(get_user(username))
    assert sorted(d.key for d, _ in startable_definitions(p)) == keys
    if not keys:
        with pytest.raises(NotFound):
            start_process(p, "dual_reporting", "comm_yangguang", {})
