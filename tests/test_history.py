"""Long-lived instances: rework loops far past SpiffWorkflow's 1,000-deep task tree."""
from sqlalchemy import select

from govflow.database import commit, writing
from govflow.extensions import db
from govflow.identity.access import principal_for
from govflow.identity.service import get_user
from govflow.instances.models import InstanceState, ProcessInstance
from govflow.instances.service import start_instance
from govflow.worklist.models import HumanTask
from govflow.worklist.service import complete_task


def test_rework_loop_300_rounds_stays_small_and_completes(deploy_fixture):
    """Without compaction the engine stalls silently after ~250 rounds (see
    tests/engine/test_compaction.py); through the platform it keeps going."""
    deploy_fixture("review.bpmn")
    grid, secretary = principal_for(get_user("grid1")), principal_for(get_user("secretary"))
    with writing():
        instance_id = start_instance("review", "grid_yg_1", {"rounds": 0}).id
        commit()
    sizes = []
    for round_no in range(300):
        for who, values in ((grid, {"approved": False}), (secretary, {})):
            task_id = db.session.scalar(select(HumanTask.id).where(
                HumanTask.instance_id == instance_id, HumanTask.status == "open"))
            assert task_id is not None, f"stalled in round {round_no}"
            with writing():
                complete_task(task_id, who, values)
                commit()
        if round_no in (10, 299):
            sizes.append(len(db.session.get(InstanceState, instance_id).data))
    assert sizes[1] <= sizes[0] * 1.2, sizes
    task_id = db.session.scalar(select(HumanTask.id).where(
        HumanTask.instance_id == instance_id, HumanTask.status == "open"))
    with writing():
        complete_task(task_id, grid, {"approved": True})
        commit()
    assert db.session.get(ProcessInstance, instance_id).status == "completed"
    done = db.session.scalar(select(db.func.count()).select_from(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.status == "completed"))
    assert done == 601  # the audit keeps every step people took


def test_parallel_join_in_a_loop_waits_for_both_branches_in_any_order(org):
    """SpiffWorkflow's own join counted a token of the previous round when the
    branches finished in another order; the platform's join counts its round only."""
    from govflow.definitions.service import deploy
    from tests.conftest import FIXTURES
    fixture = FIXTURES.parent / "engine" / "fixtures" / "parallel_loop.bpmn"
    with writing():
        deploy({"parallel_loop.bpmn": fixture.read_bytes()}, strict=False)
        instance_id = start_instance("parallel_loop", "grid_yg_1").id
        commit()
    admin = principal_for(get_user("admin"))

    def open_ids():
        return sorted(db.session.scalars(select(HumanTask.element_id).where(
            HumanTask.instance_id == instance_id, HumanTask.status == "open")))

    def finish(element_id, **values):
        task_id = db.session.scalar(select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.element_id == element_id,
            HumanTask.status == "open"))
        with writing():
            complete_task(task_id, admin, values)
            commit()

    for round_no in range(6):
        first, second = ("check_a", "check_b") if round_no % 2 == 0 else ("check_b", "check_a")
        assert open_ids() == ["check_a", "check_b"], round_no
        finish(first, approved=False)
        assert open_ids() == [second], f"round {round_no}: the join fired before {second}"
        finish(second, approved=round_no == 5)
    assert db.session.get(ProcessInstance, instance_id).status == "completed"
