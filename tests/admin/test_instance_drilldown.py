"""The admin instance page's diagram data: rounds of reworked steps (counted from the
audit trail, which history compaction does not touch), failed steps, and drill-down into
the processes call activities call (tests/fixtures parent/child, and a drawn pair)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.processes.test_case_handling_helpers import case_deployed  # noqa: F401  (fixture)

HERE = Path(__file__).parent / "fixtures"


def deploy_files(*paths):
    from govflow.database import commit, writing
    from govflow.definitions.service import deploy
    for path in paths:  # one deployment each: callers find callees deployed before them
        with writing():
            deploy({path.name: path.read_bytes()})
            commit()


def deploy_review():
    deploy_files(HERE / "review_talk.bpmn", HERE / "review_call.bpmn")


def start(key, unit="grid_yg_1", **variables):
    from govflow.database import commit, writing
    from govflow.instances.service import start_instance
    with writing():
        instance = start_instance(key, unit, variables)
        commit()
    return instance.id


def complete(username, instance_id, element_id, **values):
    from sqlalchemy import select

    from govflow.database import commit, writing
    from govflow.extensions import db
    from govflow.identity.access import principal_for
    from govflow.identity.service import get_user
    from govflow.worklist.models import HumanTask
    from govflow.worklist.service import complete_task
    task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                     HumanTask.element_id == element_id,
                                                     HumanTask.status == "open"))
    with writing():
        complete_task(task.id, principal_for(get_user(username)), values, values.get("comment"))
        commit()


def review_sent_back_twice(talked=False) -> int:
    """A review_call instance whose check was sent back twice: check ran 3 rounds."""
    instance_id = start("review_call")
    for decision in ("again", "again", "ok"):
        complete("grid1", instance_id, "check", decision=decision)
    if talked:
        complete("secretary", instance_id, "talk_over")
    return instance_id


def test_rework_rounds_are_counted_per_element(org):
    from govflow.admin.detail import instance_page
    deploy_review()
    page = instance_page(review_sent_back_twice())
    assert page["diagram"]["counts"] == {"check": 3}
    assert page["diagram"]["done"] == ["check"]
    assert page["diagram"]["current"] == ["talk"]     # the call activity, its process under way
    assert page["diagram"]["calls"] == ["talk"]
    assert [(c.element_id, c.called_process) for c in page["calls"]] == [("talk", "review_talk")]


def test_rounds_survive_engine_history_compaction(org):
    """The engine drops old tasks (engine/compaction.py); the audit rows keep every round."""
    from govflow.admin.detail import instance_page
    from govflow.admin.drilldown import loop_rounds
    from govflow.extensions import db
    from govflow.instances.models import InstanceEvent
    deploy_review()
    instance_id = review_sent_back_twice()
    from govflow.instances.models import ProcessInstance
    from govflow.instances.runtime import read_engine
    workflow = read_engine(db.session.get(ProcessInstance, instance_id)).workflow
    assert len([t for t in workflow.get_tasks() if t.task_spec.name == "check"]) < 3   # compacted away
    events = db.session.query(InstanceEvent).filter_by(instance_id=instance_id).order_by(InstanceEvent.id).all()
    assert loop_rounds(events) == instance_page(instance_id)["diagram"]["counts"] == {"check": 3}


def test_multi_instance_tasks_created_together_are_one_round():
    from types import SimpleNamespace as E
    events = [E(kind="task_created", element_id="dept"), E(kind="task_created", element_id="dept"),
              E(kind="task_completed", element_id="dept"), E(kind="task_completed", element_id="dept"),
              E(kind="task_created", element_id="a"), E(kind="task_completed", element_id="a"),
              E(kind="instance_moved", element_id=None), E(kind="task_created", element_id="a")]
    assert __import__("govflow.admin.drilldown", fromlist=["x"]).loop_rounds(events) == {"a": 2}


def test_web_case_sent_back_twice_shows_three_rounds_on_verify(web_case):
    from govflow.admin.detail import instance_page
    instance_id = start("web_case", title="路灯", category="road", description="说明")
    for _ in range(2):
        complete("grid1", instance_id, "verify", approved=True)
        complete("secretary", instance_id, "review", decision="again", comment="再核实")
    assert instance_page(instance_id)["diagram"]["counts"] == {"verify": 3, "review": 2}


def test_called_process_of_parent_and_child_fixtures(org):
    from govflow.admin.detail import called_page, called_xml, instance_page
    deploy_files(FIXTURES / "child.bpmn")
    from govflow.database import commit, writing
    from govflow.definitions.service import deploy
    with writing():
        deploy({"parent.bpmn": (FIXTURES / "parent.bpmn").read_bytes(),
                "dept_deadline.dmn": (FIXTURES / "dept_deadline.dmn").read_bytes()})
        commit()
    instance_id = start("parent", unit="grid_yg_2", category="road", departments=["dept_urban", "dept_housing"])
    before = called_page(instance_id, "talk")
    assert before["source"].process_id == "deliberation" and before["steps"] == []
    assert before["diagram"]["current"] == [] and before["diagram"]["done"] == []
    assert instance_page(instance_id)["diagram"]["counts"] == {}     # two departments at once: one round
    complete("urban", instance_id, "dept_handle")
    complete("housing", instance_id, "dept_handle")
    during = called_page(instance_id, "talk")
    assert during["diagram"]["current"] == ["deliberate"] and [t.element_id for t in during["steps"]] == ["deliberate"]
    parent = instance_page(instance_id)["diagram"]
    assert parent["current"] == ["talk"] and parent["done"] == ["dept_handle"]
    assert "deliberate" not in parent["current"]                      # the child's step stays in the child
    assert 'id="deliberation"' in called_xml(instance_id, "talk")
    complete("cstaff", instance_id, "deliberate")
    assert called_page(instance_id, "talk")["diagram"]["done"] == ["deliberate"]
    assert instance_page(instance_id)["diagram"]["done"] == ["dept_handle", "talk"]


def test_unknown_call_activity_is_not_found_naming_it(org):
    from govflow.admin.detail import called_page
    from govflow.errors import NotFound
    deploy_review()
    instance_id = start("review_call")
    with pytest.raises(NotFound) as caught:
        called_page(instance_id, "check")
    assert "check" in str(caught.value) and "element_id" in caught.value.errors


def test_failed_step_is_marked_failed(org):
    from govflow.admin.detail import instance_page
    deploy_files(FIXTURES / "failing.bpmn")
    instance_id = start("failing")
    diagram = instance_page(instance_id)["diagram"]
    assert diagram["failed"] == ["call"] and "call" not in diagram["current"]


def test_pages_show_rounds_and_open_the_called_process(web_app, page_as):
    with web_app.app_context():
        deploy_review()
        instance_id = review_sent_back_twice()
    admin = page_as("admin")
    page = admin.get(f"/admin/instances/{instance_id}").text
    assert 'data-counts="{&#34;check&#34;: 3}"' in page
    assert 'data-testid="called-talk"' in page and f"/admin/instances/{instance_id}/called/talk" in page
    assert 'data-light="green"' in page                                  # talk_over is due in two days
    called = admin.get(f"/admin/instances/{instance_id}/called/talk")
    assert called.status_code == 200
    assert "议事会" in called.text and 'data-current="[&#34;talk_over&#34;]"' in called.text
    assert 'data-process="review_talk"' in called.text
    xml = admin.get(f"/admin/instances/{instance_id}/called/talk/diagram.bpmn")
    assert xml.mimetype == "application/xml" and 'id="review_talk"' in xml.text
    assert admin.get(f"/admin/instances/{instance_id}/called/check").status_code == 404
    assert admin.get(f"/admin/instances/{instance_id}/called/nothing/diagram.bpmn").status_code == 404


@pytest.mark.parametrize("user", ["grid1", "secretary", "supervisor"])
def test_called_pages_refuse_non_administrators(web_app, page_as, user):
    with web_app.app_context():
        deploy_review()
        instance_id = start("review_call")
    client = page_as(user)
    for url in (f"/admin/instances/{instance_id}/called/talk", f"/admin/instances/{instance_id}/called/talk/diagram.bpmn"):
        assert client.get(url).status_code == 403


def test_case_handling_sent_back_twice_counts_three_rounds(case_deployed):
    """The real 12345 process: 核查 fails twice, the department redoes the work twice."""
    from govflow.admin.detail import instance_page
    from tests.processes.test_case_handling_helpers import complete as finish
    from tests.processes.test_case_handling_helpers import report, report_department, whistle
    case = report()
    whistle(case, [])
    finish("urban", "dept_accept", case, accepted=True)
    for note in ("夜间仍不亮", "线路仍有故障"):
        report_department("urban", case, "已处理")
        finish("cstaff", "community_check", case, check_passed=False, check_note=note)
    report_department("urban", case, "已更换线路")
    counts = instance_page(case)["diagram"]["counts"]
    assert counts["dept_handle"] == 3 and counts["community_check"] == 3   # the third check is open
    assert "dept_accept" not in counts                      # 重办 goes straight to handling


def test_instance_page_shows_the_incident_error_retry_and_failed_marker(web_app, page_as):
    from govflow.instances.models import Incident
    with web_app.app_context():
        deploy_files(FIXTURES / "failing.bpmn")
        instance_id = start("failing")
        from govflow.extensions import db
        incident_id = db.session.query(Incident).filter_by(instance_id=instance_id).one().id
    page = page_as("admin").get(f"/admin/instances/{instance_id}").text
    assert "fails on purpose" in page and f'data-testid="retry-{incident_id}"' in page
    assert 'data-failed="[&#34;call&#34;]"' in page and 'data-testid="variables"' in page


def test_a_collaboration_is_read_across_its_pools():
    from govflow.admin.drilldown import _parse_cached
    xml = """<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
      <bpmn:collaboration id="collab" name="联合办理">
        <bpmn:participant id="pool_a" processRef="a"/><bpmn:participant id="pool_b" processRef="b"/>
      </bpmn:collaboration>
      <bpmn:process id="a" isExecutable="true"><bpmn:userTask id="ask"/></bpmn:process>
      <bpmn:process id="b"><bpmn:callActivity id="call_c" name="调用" calledElement="c"/></bpmn:process>
    </bpmn:definitions>"""
    source = _parse_cached(-1, "collab", xml)
    assert source.name == "联合办理" and {"ask", "call_c", "pool_a"} <= source.element_ids
    assert [(c.element_id, c.called_process) for c in source.calls] == [("call_c", "c")]
    assert _parse_cached(-1, "a", xml).calls == () and _parse_cached(-1, "nothing", xml) is None
