"""The locking reads of the one change path (instances.runtime), built once with bound
parameters: building a statement and its cache key cost about as much as running it,
and every step of every instance runs these. SQLAlchemy memoizes a statement's cache
key on the statement object, so the same objects are reused. The writes: writes.py."""
from __future__ import annotations

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import aliased

from ..database import prepared
from ..definitions.models import ProcessDefinition
from ..identity.models import OrgUnit
from ..worklist.models import HumanTask
from .models import InstanceState, ProcessInstance


def locking_query(query, postgres: bool):
    """``query`` (ProcessInstance, OrgUnit, ProcessDefinition …) taking the instance's lock.

    The org unit and definition come along into the identity map: handlers, task
    scopes and the comment rule ask for them in most steps, one round trip each.
    """
    query = query.outerjoin(OrgUnit, OrgUnit.id == ProcessInstance.org_unit_id) \
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
    if postgres:
        query = query.with_for_update(of=ProcessInstance)
    return query.execution_options(populate_existing=True)


#: The locking statements, one per (kind, dialect, facts): every change starts with one.
#: ``facts`` are module constants (worklist.cosign.COSIGN_FACTS), told apart by their names.
_LOCK_STATEMENTS: dict = {}


def lock_statement(kind: str, postgres: bool, facts: dict | None = None):
    key = (kind, postgres, tuple(facts or ()))
    statement = _LOCK_STATEMENTS.get(key)
    if statement is None:
        statement = _LOCK_STATEMENTS[key] = prepared(_build_lock_statement(kind, postgres,
                                                                          list((facts or {}).values())))
    return statement


def _build_lock_statement(kind: str, postgres: bool, extra: list):
    entities: tuple = (ProcessInstance, OrgUnit, ProcessDefinition)
    mine = or_(HumanTask.status == "open", HumanTask.id == bindparam("task_id"))
    owner = select(HumanTask.instance_id).where(HumanTask.id == bindparam("task_id")).scalar_subquery()
    if kind == "instance":
        return locking_query(select(*entities).where(ProcessInstance.id == bindparam("instance_id")), postgres)
    if kind == "task_rows":  # PostgreSQL, when the instance changed while the lock was awaited
        state = select(InstanceState.data).where(InstanceState.instance_id == bindparam("instance_id")) \
            .scalar_subquery()
        return select(HumanTask, *extra, state).where(HumanTask.instance_id == bindparam("instance_id"), mine) \
            .execution_options(populate_existing=True)
    # All in one (the engine state too: a few kilobytes copied cost less than the round
    # trip load_engine makes whenever this process's engine cache is behind). PostgreSQL
    # also reads the instance's version as of the statement's snapshot, next to the
    # locked row's (see runtime.lock_task_instance).
    if postgres:
        seen = aliased(ProcessInstance)
        entities = (*entities, select(seen.lock_version).where(seen.id == owner).scalar_subquery())
    return locking_query(select(*entities, InstanceState.data, HumanTask, *extra)
                          .outerjoin(InstanceState, InstanceState.instance_id == ProcessInstance.id)
                          .join(HumanTask, (HumanTask.instance_id == ProcessInstance.id) & mine)
                          .where(ProcessInstance.id == owner), postgres)
