"""Editing a variable and migrating instances to a newer version, through the one change path."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from govflow.admin.changes import migrate_instances
from govflow.admin.service import operate
from govflow.database import commit, writing
from govflow.errors import NotFound, ValidationFailed
from govflow.extensions import db
from govflow.instances.models import InstanceState, ProcessInstance
from govflow.worklist.models import HumanTask
from tests.web.conftest import FIXTURES

from .test_service import audit, run

WEB_CASE = (FIXTURES / "web_case.bpmn").read_text(encoding="utf-8")


def deploy_version(xml: str) -> int:
    from govflow.definitions.service import deploy
    with writing():
        deploy({"web_case.bpmn": xml.encode("utf-8")})
        commit()
    return max(db.session.scalars(select(ProcessInstance.version)).all() or [1]) + 1


def test_edit_variable_keeps_its_type_and_is_audited(cases, principal_of):
    admin, first = principal_of("admin"), cases[0]
    with pytest.raises(ValidationFailed) as exc:
        run(operate, admin, first, "edit_variable", "分类有误", name="category", value=["road"])
    assert "value" in exc.value.errors
    with pytest.raises(NotFound):
        run(operate, admin, first, "edit_variable", "分类有误", name="nope", value="x")
    with pytest.raises(ValidationFailed):
        run(operate, admin, first, "edit_variable", "", name="category", value="sanitation")

    run(operate, admin, first, "edit_variable", "分类有误", name="category", value="sanitation")
    instance = db.session.get(ProcessInstance, first)
    assert instance.variables["category"] == "sanitation"
    assert '"category":"sanitation"' in db.session.get(InstanceState, first).data.replace(" ", "")
    event = audit(first, "variable_changed")[-1]
    assert event.comment == "分类有误" and event.data == {"name": "category", "from": "road", "to": "sanitation"}
    # The task's own data follows: the next step sees the new value.
    from govflow.instances.operations import task_variables
    task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == first))
    assert task_variables(task.id)["category"] == "sanitation"


def test_edit_variable_reads_form_text_as_json_for_non_strings(cases, principal_of):
    from govflow.admin.changes import parse_value
    assert parse_value("3", 1) == 3 and parse_value("true", False) is True
    assert parse_value("路灯", "x") == "路灯"
    with pytest.raises(ValidationFailed):
        parse_value("not json", 1)
    with pytest.raises(ValidationFailed):
        parse_value("1", True)


def test_migrate_compatible_instances_and_report_the_others(cases, principal_of):
    admin = principal_of("admin")
    deploy_version(WEB_CASE.replace('name="现场核实"', 'name="现场核实（新）"'))
    report = run(migrate_instances, cases[:2] + [999999], "web_case", None, admin, "流程升级")
    assert report.target_version == 2 and report.migrated == cases[:2]
    assert "999999" in report.refused[999999]
    instance = db.session.get(ProcessInstance, cases[0])
    assert instance.version == 2 and instance.definition_id != db.session.get(ProcessInstance, cases[2]).definition_id
    event = audit(cases[0], "instance_migrated")[-1]
    assert event.comment == "流程升级" and event.data == {"from": 1, "to": 2}
    again = run(migrate_instances, [cases[0]], "web_case", 2, admin, "再来")
    assert again.migrated == [] and "already runs version 2" in again.refused[cases[0]]

    # The migrated instance still works: its task completes on the new version.
    from tests.web.test_actions import verify
    task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == cases[0]))
    review = verify(task.id, principal_of)
    assert review.element_id == "review"


def test_incompatible_instances_stay_untouched(cases, principal_of):
    admin = principal_of("admin")
    xml = WEB_CASE.replace('id="verify"', 'id="verify_v2"').replace('targetRef="verify"', 'targetRef="verify_v2"') \
        .replace('sourceRef="verify"', 'sourceRef="verify_v2"').replace('bpmnElement="verify"', 'bpmnElement="verify_v2"')
    deploy_version(xml)
    before = db.session.get(InstanceState, cases[0]).data
    with pytest.raises(ValidationFailed) as exc:
        run(operate, admin, cases[0], "migrate", "升级", version=2)
    assert "verify" in str(exc.value)
    assert db.session.get(ProcessInstance, cases[0]).version == 1
    assert db.session.get(InstanceState, cases[0]).data == before
    assert audit(cases[0], "instance_migrated") == []
    with pytest.raises(NotFound):
        run(operate, admin, cases[0], "migrate", "升级", version=7)
