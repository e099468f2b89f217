"""Asynchronous continuations as Camunda Modeler writes them (camunda:asyncBefore,
asyncAfter, exclusive): the step commits at the boundary and the worker continues it;
the instance never stalls there."""
from __future__ import annotations

from datetime import UTC, datetime, timezone

from govflow.engine import clock

from .drive import (
    CALLS,
    awaited_messages,
    complete_element,
    events,
    instance,
    open_element_ids,
    send,
    start,
    worker,
)
from .modeler import chain, diagram
from .test_versions import deploy_rest

_BODY = chain(
    '<bpmn:serviceTask id="Register" camunda:asyncBefore="true" camunda:exclusive="false" '
    'camunda:delegateExpression="${async_register}" />',
    '<bpmn:serviceTask id="Notify" camunda:asyncAfter="true" camunda:delegateExpression="${async_notify}" />',
    '<bpmn:serviceTask id="Archive" camunda:delegateExpression="${async_archive}" />')
STARTED = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)


def test_each_boundary_commits_and_the_worker_continues_from_it(app, api_as, passthrough):
    files = {"async.bpmn": diagram("async_steps", _BODY)}
    passthrough(files)
    answer = deploy_rest(api_as("designer"), files)
    assert answer.status_code == 201, answer.json
    with clock.frozen_at(STARTED):
        instance_id = start("async_steps")
    # asyncBefore: the start committed before Register ran; the worker is due at once.
    assert CALLS == [] and instance(instance_id).status == "active"
    assert instance(instance_id).next_timer_at == STARTED.replace(tzinfo=None)
    worker(app, STARTED)
    # asyncAfter on Notify: Register and Notify ran in the worker's first job, Archive waits.
    assert CALLS == ["Register", "Notify"] and instance(instance_id).status == "active"
    worker(app, STARTED)
    assert CALLS == ["Register", "Notify", "Archive"]
    assert instance(instance_id).status == "completed"
    assert len(events(instance_id, "timer_checked")) == 2


def test_async_before_on_waiting_activities_and_async_after_on_a_call_activity(app, api_as, passthrough):
    """asyncBefore on a user task, a receive task and a call activity, asyncAfter on the
    call activity: each is a boundary the worker continues from; nothing stalls."""
    called = diagram("async_called", chain('<bpmn:userTask id="Inspect" camunda:candidateGroups="grid_worker" />'))
    body = chain(
        '<bpmn:userTask id="Verify" camunda:asyncBefore="true" camunda:candidateGroups="grid_worker" />',
        '<bpmn:receiveTask id="Reply" camunda:asyncBefore="true" messageRef="Message_reply" />',
        '<bpmn:callActivity id="Inspection" calledElement="async_called" camunda:asyncBefore="true" '
        'camunda:asyncAfter="true" />',
        '<bpmn:userTask id="Close" camunda:candidateGroups="grid_worker" />')
    caller = diagram("async_waits", body, extra='  <bpmn:message id="Message_reply" name="reply" />\n')
    answer = deploy_rest(api_as("designer"), {"async_called.bpmn": called, "async_waits.bpmn": caller})
    assert answer.status_code == 201, answer.json
    with clock.frozen_at(STARTED):
        instance_id = start("async_waits")
    # The start committed before Verify: no task yet, the worker is due at once.
    assert open_element_ids(instance_id) == [] and instance(instance_id).next_timer_at == STARTED.replace(tzinfo=None)
    worker(app, STARTED)
    assert open_element_ids(instance_id) == ["Verify"]
    complete_element(instance_id, "Verify")
    assert awaited_messages(instance_id) == [] and instance(instance_id).next_timer_at is not None
    worker(app, STARTED)
    assert awaited_messages(instance_id) == ["reply"]
    send(instance_id, "reply")
    # Before the call activity: the called process starts in the worker's transaction.
    assert open_element_ids(instance_id) == []
    worker(app, STARTED)
    assert open_element_ids(instance_id) == ["Inspect"]
    complete_element(instance_id, "Inspect")
    # After it: the parent continues to Close in the worker.
    assert open_element_ids(instance_id) == [] and instance(instance_id).status == "active"
    worker(app, STARTED)
    complete_element(instance_id, "Close")
    assert instance(instance_id).status == "completed"
