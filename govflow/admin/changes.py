"""Administrators' changes to an instance's data and version, each audited with a reason.

Both go through ``instances.runtime.changing``: the instance is locked, the
saved state rewritten and the change recorded in one unit of work. Neither runs
the engine: editing a value or swapping the diagram must not move the case on.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select

from ..definitions.models import ProcessDefinition
from ..definitions.service import bundle_for
from ..engine.migration import migration_problems, rebind
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..identity.access import Principal, is_administrator_of
from ..instances.models import ProcessInstance
from ..instances.runtime import changing
from ..instances.sync import json_safe
from ..instances.variables import check_incoming

RUNNING = ("active", "error", "suspended")
#: A batch migration touches at most this many instances per call.
BATCH_LIMIT = 1000


def _type_name(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "list", dict: "object", type(None): "null"}[type(value)]


def parse_value(raw, old):
    """``raw`` as a value of ``old``'s JSON type. Text from a form is read as JSON,
    and as plain text when the old value is a string. Raises ValidationFailed."""
    value = raw
    if isinstance(raw, str) and not isinstance(old, str):
        try:
            value = json.loads(raw)
        except ValueError:
            raise ValidationFailed("the value is not valid JSON", {"value": ["valid JSON"]}) from None
    if old is not None and _type_name(value) != _type_name(old):
        raise ValidationFailed(f"the value must stay a {_type_name(old)}",
                               {"value": [f"a {_type_name(old)}, not a {_type_name(value)}"]})
    if isinstance(value, str) and len(value) > 10_000:
        raise ValidationFailed("the value is too long", {"value": ["at most 10000 characters"]})
    return value


def edit_variable(instance_id: int, name: str, raw_value, actor_id: int, reason: str) -> ProcessInstance:
    """Sets the existing variable ``name`` on the instance's waiting tasks, keeping its
    type; audited as ``variable_changed`` with the old and new value. Raises NotFound
    (no such instance or variable), ValidationFailed (wrong type), Conflict (ended)."""
    with changing(instance_id, actor_id, require_active=False) as change:
        instance = change.instance
        if instance.status not in RUNNING:
            raise Conflict(f"process instance {instance_id} is {instance.status}")
        current = change.engine.variables()
        if name not in current:
            raise NotFound(f"the instance has no variable '{name}'", {"name": [f"unknown variable '{name}'"]})
        old = json_safe(current[name])
        value = parse_value(raw_value, old)
        check_incoming({name: value}, "value")
        change.engine.set_variables({name: value})
        change.skip_engine = True
        instance.variables = json_safe(change.engine.variables())
        change.record("variable_changed", comment=reason, data={"name": name, "from": old, "to": value})
    return change.instance


@dataclass
class MigrationReport:
    target_version: int
    migrated: list[int] = field(default_factory=list)
    #: instance id → why it stayed on its version.
    refused: dict[int, str] = field(default_factory=dict)


class _Incompatible(Exception):
    pass


def target_definition(process_key: str, version: int | None) -> ProcessDefinition:
    """The deployed ``version`` of ``process_key`` (its newest when None). Raises NotFound."""
    query = select(ProcessDefinition).where(ProcessDefinition.key == process_key)
    query = query.where(ProcessDefinition.version == version) if version else \
        query.order_by(ProcessDefinition.version.desc()).limit(1)
    definition = db.session.scalar(query)
    if definition is None:
        raise NotFound(f"process '{process_key}' has no version {version or ''}".strip(),
                       {"version": ["a deployed version"]})
    return definition


def _migrate_one(instance_id: int, target: ProcessDefinition, p: Principal, reason: str) -> None:
    with changing(instance_id, p.user_id, require_active=False) as change:
        instance = change.instance
        if not is_administrator_of(p, instance.org_path):
            raise NotFound(f"process instance {instance_id} does not exist")
        if instance.process_key != target.key:
            raise _Incompatible(f"it runs '{instance.process_key}', not '{target.key}'")
        if instance.status not in RUNNING:
            raise _Incompatible(f"it is {instance.status}")
        if instance.version >= target.version:
            raise _Incompatible(f"it already runs version {instance.version}")
        bundle = bundle_for(target)
        problems = migration_problems(change.engine, bundle)
        if problems:
            raise _Incompatible("; ".join(problems))
        before = instance.version
        # The engine taken from the cache at load is the old version's; the new
        # one replaces it and is what the cache receives after the commit.
        change.engine = rebind(change.engine, bundle)
        instance.definition_id, instance.version = target.id, target.version
        change.skip_engine = True
        change.record("instance_migrated", comment=reason, data={"from": before, "to": target.version})


def migrate_instances(instance_ids: list[int], process_key: str, version: int | None,
                      p: Principal, reason: str) -> MigrationReport:
    """Moves each running instance that ``p`` administers to ``version`` of
    ``process_key`` (newest when None) when compatible; the others are reported with
    the reason (one they may not administer as not existing) and left untouched."""
    target = target_definition(process_key, version)
    if len(instance_ids) > BATCH_LIMIT:
        raise ValidationFailed(f"at most {BATCH_LIMIT} instances at a time", {"instances": ["narrow the search"]})
    report = MigrationReport(target.version)
    for instance_id in instance_ids:
        try:
            _migrate_one(instance_id, target, p, reason)
        except _Incompatible as exc:
            report.refused[instance_id] = str(exc)
        except NotFound as exc:
            report.refused[instance_id] = str(exc)
        else:
            report.migrated.append(instance_id)
    return report
