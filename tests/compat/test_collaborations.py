"""A collaboration of two or more pools deploys as a startable definition of its own,
next to its processes; one instance runs all pools and their message flows."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from govflow.definitions.models import ProcessDefinition
from govflow.extensions import db

from .drive import (
    CORPUS,
    awaited_messages,
    complete_element,
    deploy_files,
    instance,
    open_element_ids,
    read,
    start,
)

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not mounted")

MESSAGES = "spiffworkflow-camunda/message_test.bpmn"
ONE_POOL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:collaboration id="Collab_single">
    <bpmn:participant id="p" name="one pool" processRef="single"/>
  </bpmn:collaboration>
  <bpmn:process id="single" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_two_pools_deploy_as_processes_and_a_collaboration(org):
    result = deploy_files(read(MESSAGES))
    assert result.process_keys == ["ThrowCatch", "Process_05r9nfx", "Collaboration_0n93bdm"]
    definition = db.session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == "Collaboration_0n93bdm"))
    assert (definition.version, definition.file.filename) == (1, MESSAGES)


def test_one_instance_runs_both_pools_and_their_messages(org):
    deploy_files(read(MESSAGES))
    instance_id = start("Collaboration_0n93bdm")
    # The approver's pool waits for the request message; only the planner has work.
    assert open_element_ids(instance_id) == ["Activity_EnterPlan"]
    complete_element(instance_id, "Activity_EnterPlan", {"plan_details": "Good"})
    assert open_element_ids(instance_id) == ["Activity_ApproveOrDeny"]
    complete_element(instance_id, "Activity_ApproveOrDeny", {"approved": "Yes"})
    assert open_element_ids(instance_id) == ["Activity_EnablePlan"]
    # Message flows between the pools never reach the subscription table.
    assert awaited_messages(instance_id) == []
    complete_element(instance_id, "Activity_EnablePlan", {"Done": "OK"})
    final = instance(instance_id)
    assert final.status == "completed"
    assert {"plan_details": "Good", "ApprovalResult": "Yes", "Done": "OK"}.items() <= final.variables.items()


def test_a_one_pool_collaboration_is_only_its_process(org):
    assert deploy_files({"single.bpmn": ONE_POOL}).process_keys == ["single"]
