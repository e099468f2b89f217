"""Driving a deployed diagram through the platform's service layer, as people would.

Every action goes through the same services the API and the worker use: ``deploy``,
``start_instance``, ``complete_task`` (as the administrator, who sees every task),
``deliver_message`` and ``worker --once --now``; nothing here drives the engine directly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from govflow import tasks as task_registry
from govflow.database import commit, writing
from govflow.definitions.service import deploy
from govflow.extensions import db
from govflow.forms.validation import describe
from govflow.identity.access import principal_for
from govflow.identity.service import get_user
from govflow.instances.models import Incident, InstanceEvent, MessageSubscription, ProcessInstance
from govflow.instances.service import deliver_message, start_instance
from govflow.worklist.inbox import list_tasks
from govflow.worklist.models import HumanTask
from govflow.worklist.service import complete_task
from tests.conftest import CORPUS as SHARED  # noqa: E402

CORPUS = SHARED
ORG_UNIT = "grid_yg_1"
#: Far enough ahead that every timer of the corpus is due (durations are at most days).
FAR_FUTURE = datetime.now(UTC) + timedelta(days=400)


def read(*relative: str) -> dict[str, bytes]:
    """Corpus files by their path under the corpus folder (the deployment file names)."""
    return {name: (CORPUS / name).read_bytes() for name in relative}


def deploy_files(files: dict[str, bytes], strict: bool = False):
    with writing():
        result = deploy(files, source="compat", strict=strict)
        commit()
    return result


def register_passthrough(names) -> list[str]:
    """Register a handler that does nothing under each name not registered yet.

    Returns the names it added, so a fixture can take them out again.
    """
    added = []
    for name in names:
        if task_registry.get_handler(name) is None:
            task_registry.handler(name)(_passthrough)
            added.append(name)
    return added


def unregister(names) -> None:
    for name in names:
        task_registry._HANDLERS.pop(name, None)  # test-only: the registry has no public removal


#: Element ids of the service tasks the pass-through handler ran, in order.
CALLS: list[str] = []


def _passthrough(ctx) -> None:
    """Stands in for a Java delegate or external worker: the step happens, nothing else."""
    CALLS.append(ctx.element_id)
    return None


def admin():
    return principal_for(get_user("admin"))


def start(process_key: str, variables: dict | None = None, unit: str = ORG_UNIT) -> int:
    with writing():
        instance = start_instance(process_key, unit, dict(variables or {}), actor_id=get_user("admin").id)
        commit()
    return instance.id


def instance(instance_id: int) -> ProcessInstance:
    db.session.expire_all()
    return db.session.get(ProcessInstance, instance_id)


def open_tasks(instance_id: int) -> list[HumanTask]:
    rows, _ = list_tasks(admin(), instance_id=instance_id, limit=500)
    return sorted(rows, key=lambda t: t.id)


def open_element_ids(instance_id: int) -> list[str]:
    return sorted(t.element_id for t in open_tasks(instance_id))


def form_answers(task: HumanTask) -> dict:
    """Values that satisfy the task's form: booleans True, enums their first option,
    longs 1 (or the minimum), strings 'x' (or as long as the minimum length)."""
    values = {}
    for f in describe(task.form_key, task.form_fields or []):
        if f["readonly"]:
            continue
        kind, limits = f["type"], f["constraints"]
        if kind == "boolean":
            values[f["id"]] = True
        elif kind == "enum" and f["options"]:
            values[f["id"]] = f["options"][0]["id"]
        elif kind in ("long", "double"):
            values[f["id"]] = max(1, limits.get("min", 1))
        elif kind == "date":
            values[f["id"]] = "2030-01-01"
        else:
            values[f["id"]] = "x" * max(1, limits.get("minlength", 1))
    return values


def complete(task: HumanTask, data: dict | None = None, fill_form: bool = True) -> None:
    """Complete as the administrator; ``fill_form`` first answers every form field."""
    values = {**(form_answers(task) if fill_form else {}), **(data or {})}
    with writing():
        complete_task(task.id, admin(), values)
        commit()


def complete_element(instance_id: int, element_id: str, data: dict | None = None, which: int = 0) -> HumanTask:
    matches = [t for t in open_tasks(instance_id) if t.element_id == element_id]
    assert matches, f"{element_id} is not open; open: {open_element_ids(instance_id)}"
    complete(matches[which], data)
    return matches[which]


def awaited_messages(instance_id: int) -> list[str]:
    return sorted(db.session.scalars(select(MessageSubscription.message_name).where(
        MessageSubscription.instance_id == instance_id)))


def send(instance_id: int, name: str, variables: dict | None = None) -> None:
    with writing():
        deliver_message(name, instance_id=instance_id, variables=variables)
        commit()


def worker(app, now: datetime = FAR_FUTURE) -> str:
    result = app.test_cli_runner().invoke(args=["worker", "--once", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def incidents(instance_id: int) -> list[Incident]:
    return list(db.session.scalars(select(Incident).where(
        Incident.instance_id == instance_id, Incident.resolved_at.is_(None))))


def events(instance_id: int, kind: str | None = None) -> list[InstanceEvent]:
    query = select(InstanceEvent).where(InstanceEvent.instance_id == instance_id)
    if kind:
        query = query.where(InstanceEvent.kind == kind)
    return list(db.session.scalars(query.order_by(InstanceEvent.id)))


@dataclass
class Walk:
    """What happened while an instance was driven to its end (or its limit)."""
    instance_id: int
    status: str = ""
    #: Element ids of the human tasks completed, in order.
    path: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    timer_runs: int = 0


def drive(app, instance_id: int, answers: dict | None = None, message_data: dict | None = None,
          limit: int = 40) -> Walk:
    """Work the instance until it ends, fails, or nothing moves it any more.

    Each step does the one thing a person or system would do next: complete the
    oldest open task (form answers, overridden by ``answers[element_id]``), else
    deliver an awaited message (``message_data[name]`` as its variables), else let
    the worker fire timers at a far-future instant.
    """
    answers, message_data = answers or {}, message_data or {}
    walk = Walk(instance_id)
    for _ in range(limit):
        current = instance(instance_id)
        walk.status = current.status
        if current.status != "active":
            return walk
        tasks = open_tasks(instance_id)
        waiting = awaited_messages(instance_id)
        if tasks:
            complete(tasks[0], answers.get(tasks[0].element_id))
            walk.path.append(tasks[0].element_id)
        elif waiting:
            send(instance_id, waiting[0], message_data.get(waiting[0]))
            walk.messages.append(waiting[0])
        elif current.next_timer_at is not None:
            worker(app)
            walk.timer_runs += 1
        else:
            return walk
    walk.status = instance(instance_id).status
    return walk


def handler_names_in(files: dict[str, bytes]) -> set[str]:
    """The handler name each service/send task of ``files`` asks for first.

    Read with the deployment lint's own mapping, so the names are the ones the
    parser looks up.
    """
    from lxml import etree

    from govflow.engine.lint import handler_reference
    names = set()
    for data in files.values():
        root = etree.fromstring(data)
        for el in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}*"):
            if etree.QName(el).localname in ("serviceTask", "sendTask", "businessRuleTask"):
                found = handler_reference(el)
                if found and found[2]:
                    names.add(found[2][0])
    return names


def process_ids(data: bytes) -> list[str]:
    """Executable process ids of one BPMN file, in document order."""
    from lxml import etree
    return [p.get("id") for p in etree.fromstring(data).iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process")
            if p.get("isExecutable", "true") != "false"]
