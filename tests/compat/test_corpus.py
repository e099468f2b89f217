"""Camunda-authored BPMN from the shared corpus, deployed and run through the platform.

Each diagram is deployed with ``strict=False`` (Camunda's groups, forms and Java
delegates are not this platform's; pass-through handlers stand in for the
delegates), then one instance is started in a demo grid and worked the way people
and systems would: the administrator completes each open task with values that
satisfy its form, awaited messages are delivered, and the worker fires timers.
The tables in :mod:`.corpus_table` say, per file, what must happen and why.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from govflow import engine
from govflow.definitions.models import ProcessDefinition
from govflow.errors import ValidationFailed
from govflow.extensions import db
from govflow.worklist.models import HumanTask

from .corpus_table import CAMUNDA, REFUSED, RUNS, SPIFF
from .drive import (
    CALLS,
    CORPUS,
    awaited_messages,
    deploy_files,
    drive,
    incidents,
    instance,
    open_tasks,
    process_ids,
    read,
    start,
)

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not mounted")


def _corpus_bpmn(folder: str) -> set[str]:
    return {str(p.relative_to(CORPUS)) for p in (CORPUS / folder).rglob("*.bpmn")} if CORPUS.is_dir() else set()


def _case_files() -> set[str]:
    cases = json.loads((CORPUS / SPIFF / "cases.json").read_text()) if CORPUS.is_dir() else []
    return {str(p.relative_to(CORPUS)) for case in cases for pattern in case["bpmn"]
            for p in (CORPUS / SPIFF).glob(pattern)}


def test_the_tables_cover_every_camunda_file_and_every_uncovered_spiff_file():
    covered_by_cases = _case_files()
    expected = _corpus_bpmn(CAMUNDA) | (_corpus_bpmn(SPIFF) - covered_by_cases)
    assert not set(REFUSED) & set(RUNS)
    # random_fact.bpmn has a case, but that case only reads its form; it is run here.
    assert set(REFUSED) | set(RUNS) == expected | {SPIFF + "random_fact.bpmn"}
    assert len(_corpus_bpmn(CAMUNDA)) == 54 and len(REFUSED) == 9


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_unsupported_diagram_is_refused_with_its_lint_code(org, passthrough, name):
    expected = REFUSED[name]
    files = read(name, *expected.with_files)
    passthrough(files)
    with pytest.raises(ValidationFailed) as refused:
        deploy_files(files)
    db.session.rollback()
    assert sorted(refused.value.errors) == sorted(expected.elements), refused.value.errors
    problems = engine.check_files(files, {})
    assert sorted((p["code"], p["element_id"]) for p in problems if p["severity"] == "error") == \
        [(expected.code, element) for element in sorted(expected.elements)]
    assert db.session.scalar(select(func.count()).select_from(ProcessDefinition)) == 0


@pytest.mark.parametrize("name", sorted(RUNS))
def test_diagram_deploys_and_runs_through_the_platform(app, org, passthrough, name):
    expected = RUNS[name]
    files = read(name, *expected.with_files)
    passthrough(files)
    deployed = deploy_files(files)
    key = expected.process or process_ids(files[name])[0]
    assert key in deployed.process_keys

    instance_id = start(key, expected.variables)
    walk = drive(app, instance_id, expected.answers)

    assert (walk.status, tuple(walk.path)) == (expected.status, expected.path)
    assert tuple(CALLS) == expected.services
    assert tuple(walk.messages) == expected.messages
    final = instance(instance_id)
    if expected.status == "completed":
        assert final.ended_at is not None and final.next_timer_at is None
        assert open_tasks(instance_id) == [] and awaited_messages(instance_id) == []
        assert incidents(instance_id) == []
    else:
        element_id, text = expected.incident
        assert [(i.element_id, text in i.message) for i in incidents(instance_id)] == [(element_id, True)]
        assert open_tasks(instance_id) == []
    # Every completed step was worked by the administrator, through the worklist.
    done = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                      HumanTask.status == "completed").order_by(HumanTask.id))
    assert tuple(t.element_id for t in done) == expected.path
