"""Dispatch from the engine's service tasks to the handlers in govflow.tasks."""
from __future__ import annotations

from ..extensions import db
from ..tasks import HandlerContext, get_handler
from .runtime import current_instance, instance_org_unit


class UnknownHandler(LookupError):
    pass


def call_handler(context: dict, handler: str, element_id: str, properties: dict | None = None, **_):
    """Run handler ``handler`` for the instance whose step is running.

    Its exceptions propagate: the engine marks the task failed and the platform
    records an incident that an administrator can retry.
    """
    fn = get_handler(handler)
    if fn is None:
        raise UnknownHandler(f"no service-task handler named '{handler}'")
    instance = current_instance.get()
    unit = instance_org_unit(instance) if instance is not None else None
    ctx = HandlerContext(
        instance_id=instance.id if instance else 0,
        process_key=instance.process_key if instance else "",
        business_key=instance.business_key if instance else None,
        org_unit_code=unit.code if unit else "",
        element_id=element_id, variables=context, properties=dict(properties or {}))
    # The change path suspends autoflush; a handler may query what earlier steps wrote.
    session = db.session()
    autoflush, session.autoflush = session.autoflush, True
    try:
        return fn(ctx)
    finally:
        session.autoflush = autoflush
