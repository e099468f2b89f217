"""Asynchronous continuations as Camunda Modeler writes them (camunda:asyncBefore,
asyncAfter, exclusive): the step commits at the boundary and the worker continues it;
the instance never stalls there."""
from __future__ import annotations

from datetime import UTC, datetime, timezone

from govflow.engine import clock

from .drive import CALLS, events, instance, start, worker
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
