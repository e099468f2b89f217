"""Starting instances and the administrative life-cycle transitions."""
from __future__ import annotations

import re

from sqlalchemy import bindparam, select

from .. import engine
from ..database import ensure_write_transaction, prepared
from ..definitions.models import ProcessDefinition
from ..definitions.service import bundle_for, latest_definition
from ..errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from ..extensions import db
from ..forms import get_form
from ..forms.camunda.references import is_camunda_form, pin
from ..forms.validation import validate_submission
from ..identity.access import Principal, covered_clause
from ..identity.models import User
from ..identity.service import get_org_unit
from ..timeutil import utcnow
from ..worklist.models import HumanTask, TaskStatus
from .models import Incident, InstanceEvent, InstanceStatus, MessageSubscription, ProcessInstance
from .runtime import InstanceChange, changing, run_engine, save, stepping
from .sync import close_task
from .variables import check_incoming

#: Allowed (source states) for each administrative transition.
_TRANSITIONS = {
    "suspend": ({"active", "error"}, InstanceStatus.suspended),
    "resume": ({"suspended"}, None),
    "terminate": ({"active", "error", "suspended"}, InstanceStatus.terminated),
}
_EVENTS = {"suspend": "instance_suspended", "resume": "instance_resumed", "terminate": "instance_terminated"}
_KEY = re.compile(r"^[\w.\-:/]{1,120}$")


def start_instance(process_key: str, org_unit_code: str, variables: dict | None = None,
                   business_key: str | None = None, actor_id: int | None = None,
                   title: str | None = None, definition: ProcessDefinition | None = None,
                   start_event: str | None = None, trial: bool = False) -> ProcessInstance:
    """Start the latest version of ``process_key`` (or ``definition``, a version the
    designer tries out) for an org unit and run it to its first wait; ``start_event``
    is the timer start event whose job starts it; ``trial``: a designer's trial run
    (ProcessInstance.is_trial). Raises Conflict for a suspended version."""
    unit = get_org_unit(org_unit_code)
    if not unit.is_active:
        raise ValidationFailed("org unit deactivated",
                               {"org_unit": [f"org unit '{org_unit_code}' is deactivated"]})
    definition = definition or latest_definition(process_key)
    if definition.is_suspended:
        raise Conflict(f"process '{definition.key}' version {definition.version} is suspended",
                       {"process_key": ["the process definition is suspended"]})
    if business_key is not None and not _KEY.match(business_key):
        raise ValidationFailed("invalid business key", {"business_key": ["1-120 letters, digits, . - _ : /"]})
    bundle = bundle_for(definition)
    # camunda:initiator needs no protection: the starting user's name overwrites it below.
    variables = dict(check_incoming(variables))
    if bundle.start_form_key and (get_form(bundle.start_form_key) is not None
                                  or is_camunda_form(bundle.start_form_key)):
        # The start form's fields are checked and cleaned; extra variables from
        # integrating systems pass unchanged.
        variables.update(validate_submission(pin(bundle.start_form_key, definition.deployment_id), [], variables))
    if bundle.initiator and actor_id is not None:
        variables[bundle.initiator] = db.session.get_one(User, actor_id).username
    variables.setdefault("org_unit", unit.code)
    if business_key:
        variables.setdefault("business_key", business_key)
    ensure_write_transaction()
    instance = ProcessInstance(definition_id=definition.id, process_key=definition.key,
                               version=definition.version, org_unit_id=unit.id, org_path=unit.path,
                               business_key=business_key, started_by_id=actor_id, is_trial=trial,
                               title=title or variables.get("title") or definition.name)
    db.session.add(instance)
    db.session.flush()
    runner = engine.EngineInstance.start(bundle, engine.get_script_engine(), variables, start_event)
    change = InstanceChange(instance, runner, actor_id)
    change.new_instance = True
    change.record("instance_started", data={"variables": sorted(variables),
                                            **({"start_event": start_event} if start_event else {})})
    with stepping(instance):
        run_engine(change)
        save(change)
    return instance


def transition(instance_id: int, action: str, actor_id: int | None, reason: str | None = None) -> ProcessInstance:
    sources, target = _TRANSITIONS[action]
    with changing(instance_id, actor_id, require_active=False) as change:
        instance = change.instance
        if instance.status not in sources:
            raise InvalidTransition(f"cannot {action} an instance that is {instance.status}")
        change.skip_engine = action != "resume"
        if action == "resume":
            has_incident = db.session.scalar(select(Incident.id).where(
                Incident.instance_id == instance.id, Incident.resolved_at.is_(None)).limit(1))
            instance.status = InstanceStatus.error.value if has_incident else InstanceStatus.active.value
        elif target is not None:  # every action but resume names its target status
            instance.status = target.value
        if action == "terminate":
            change.engine.cancel()
            instance.ended_at = utcnow()
            instance.next_timer_at = None
            for row in db.session.scalars(select(HumanTask).where(
                    HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.open.value)):
                close_task(row, TaskStatus.cancelled)
            for sub in db.session.scalars(select(MessageSubscription).where(
                    MessageSubscription.instance_id == instance.id)):
                db.session.delete(sub)
        change.record(_EVENTS[action], comment=reason)
    return instance


def retry_incident(incident_id: int, actor_id: int | None) -> ProcessInstance:
    incident = db.session.get(Incident, incident_id)
    if incident is None or incident.resolved_at is not None:
        raise NotFound(f"no open incident {incident_id}")
    with changing(incident.instance_id, actor_id) as change:
        try:
            change.engine.retry(incident.engine_task_id)
        except engine.EngineError as exc:
            raise Conflict(str(exc)) from exc
        incident.resolved_at = utcnow()
        change.record("incident_retried", incident.element_id)
    return change.instance


def send_message(p: Principal, name: str, business_key: str | None = None, instance_id: int | None = None,
                 variables: dict | None = None) -> list[int]:
    """Another system's message (a rating, a reply) into the instances waiting for
    it that lie in ``p``'s jurisdiction.

    Raises NotFound — the same answer whether no instance waits or the waiting ones
    are outside ``p``'s units, so existence is not revealed — or ValidationFailed
    (variables: see :mod:`.variables`). Nothing changes on a refusal."""
    variables = check_incoming(variables)
    return deliver_message(name, business_key, instance_id, variables, p.user_id,
                           within=covered_clause(p, ProcessInstance.org_path))


def deliver_message(name: str, business_key: str | None = None, instance_id: int | None = None,
                    variables: dict | None = None, actor_id: int | None = None, *, within=None) -> list[int]:
    """Deliver a message to the instances waiting for it (``within``: an SQL clause
    over ProcessInstance limiting them); NotFound when none waits. For callers that
    checked their right themselves (the resident portal by tracking code)."""
    query = select(MessageSubscription.instance_id).where(MessageSubscription.message_name == name)
    if within is not None:
        query = query.join(ProcessInstance, ProcessInstance.id == MessageSubscription.instance_id).where(within)
    if instance_id is not None:
        query = query.where(MessageSubscription.instance_id == instance_id)
    elif business_key is not None:
        query = query.where(MessageSubscription.business_key == business_key)
    else:
        raise ValidationFailed("name a business_key or an instance_id",
                               {"business_key": ["business_key or instance_id is required"]})
    targets = sorted(set(db.session.scalars(query)))
    if not targets:
        raise NotFound(f"no process instance is waiting for message '{name}'")
    for target in targets:
        with changing(target, actor_id) as change:
            try:
                change.engine.deliver_message(name, variables)
            except engine.NotWaiting as exc:   # e.g. a deadline passed before the worker saw it
                raise NotFound(str(exc)) from exc
            except engine.EngineError as exc:
                raise Conflict(str(exc)) from exc
            change.record("message_received", data={"message": name, "variables": sorted(variables or {})})
    return targets


def fire_timers(instance_id: int) -> bool:
    """Let due timers of one instance fire; returns whether the instance moved."""
    with changing(instance_id) as change:
        before = change.instance.next_timer_at
        change.engine.refresh_timers()
        change.record("timer_checked", data={"due": before.isoformat() if before else None})
    return True


def get_readable_instance(p: Principal, instance_id: int) -> ProcessInstance:
    """The instance if it lies in ``p``'s jurisdiction; NotFound otherwise (the same
    answer as for one that does not exist)."""
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None or not p.covers(instance.org_path):
        raise NotFound(f"process instance {instance_id} does not exist")
    return instance


#: The instance with its open tasks and unresolved incidents, both outer joined (a few
#: of each: the cross product stays small). Built once with a bound parameter.
_WITH_WORK = prepared(
    select(ProcessInstance, HumanTask, Incident)
    .outerjoin(HumanTask, (HumanTask.instance_id == ProcessInstance.id) & (HumanTask.status == TaskStatus.open.value))
    .outerjoin(Incident, (Incident.instance_id == ProcessInstance.id) & Incident.resolved_at.is_(None))
    .where(ProcessInstance.id == bindparam("instance_id")))


def open_work(instance_id: int, p: Principal | None = None) \
        -> tuple[ProcessInstance, list[HumanTask], list[Incident]]:
    """(instance, open tasks by id, unresolved incidents by id) in one statement; NotFound
    as get_readable_instance when ``p`` is given (what the instance page of the API shows)."""
    rows = db.session.execute(_WITH_WORK, {"instance_id": instance_id}).all()
    if not rows or (p is not None and not p.covers(rows[0][0].org_path)):
        raise NotFound(f"process instance {instance_id} does not exist")
    tasks = {t.id: t for _, t, _ in rows if t is not None}
    incidents = {i.id: i for _, _, i in rows if i is not None}
    return rows[0][0], sorted(tasks.values(), key=lambda t: t.id), sorted(incidents.values(), key=lambda i: i.id)


def events_of(instance_id: int) -> list[InstanceEvent]:
    """The instance's audit trail, oldest first (the caller checked who may read it)."""
    return list(db.session.scalars(select(InstanceEvent).where(InstanceEvent.instance_id == instance_id)
                                   .order_by(InstanceEvent.id)))


def get_instance(instance_id: int) -> ProcessInstance:
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"process instance {instance_id} does not exist")
    return instance
