"""Service-task handlers, registered by the name BPMN service tasks use.

A diagram names a handler by ``camunda:delegateExpression="${notify}"``,
``camunda:expression``, ``camunda:class`` or an external ``camunda:topic``; the
engine calls the handler registered here under that name, inside the same
transaction as the step, with a :class:`HandlerContext`.
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Handler = Callable[["HandlerContext"], "dict | None"]
_HANDLERS: dict[str, Handler] = {}


@dataclass
class HandlerContext:
    """What a handler may read; it returns the variables it sets."""
    instance_id: int
    process_key: str
    business_key: str | None
    org_unit_code: str
    element_id: str
    variables: dict[str, Any]
    properties: dict[str, str] = field(default_factory=dict)


def handler(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        if name in _HANDLERS and _HANDLERS[name] is not fn:
            raise ValueError(f"handler '{name}' registered twice")
        _HANDLERS[name] = fn
        return fn
    return register


def get_handler(name: str) -> Handler | None:
    load_all()
    return _HANDLERS.get(name)


def handler_names() -> set[str]:
    load_all()
    return set(_HANDLERS)


_loaded = False


def load_all() -> None:
    """Import every module of this package so their @handler decorators run."""
    global _loaded
    if _loaded:
        return
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    _loaded = True
