"""What other systems and people may put into an instance's data.

Every door that takes variables from outside — starting, completing a task, a
message, an administrator's edit — passes them through :func:`check_incoming`,
so the rule is the same whether the caller came by REST, a page or the CLI:

* names are identifiers that do not begin with ``_`` (the sandbox's helpers);
* the platform's own variables are not writable: ``org_unit`` decides who works
  the case (jurisdiction), ``business_key`` names it; a caller that could write
  them could move a case into or out of anyone's worklist;
* values are plain JSON — strings, booleans, null, finite numbers within a 64-bit
  integer's range, lists and objects — no deeper than :data:`MAX_DEPTH`. An object
  may not carry the key ``typename``: the engine's serializer reads such objects
  as its own (``{"typename": "UUID", "value": "x"}`` would be restored as a UUID
  and fail every later step of the instance).
"""
from __future__ import annotations

import math
from collections.abc import Iterable

from ..errors import ValidationFailed

#: Variables the platform sets itself; callers may not write them.
PLATFORM_VARIABLES = frozenset({"org_unit", "business_key"})
#: A key the engine's serializer claims for its own objects.
RESERVED_KEY = "typename"
MAX_DEPTH = 20
MAX_INT = 2 ** 63 - 1
MAX_STRING = 100_000
MAX_ITEMS = 10_000


def check_incoming(variables, field: str = "variables", *, protected: Iterable[str] = ()) -> dict:
    """``variables`` if every name and value may enter an instance; else
    ValidationFailed naming each offending variable under ``field``.

    ``protected``: further names this door may not write (e.g. the process's
    ``camunda:initiator`` variable on start)."""
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise ValidationFailed("variables must be an object", {field: ["an object of name: value"]})
    refused = PLATFORM_VARIABLES | set(protected)
    problems: list[str] = []
    for name, value in variables.items():
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
            problems.append(f"'{name}' is not a valid variable name")
        elif name in refused:
            problems.append(f"'{name}' is set by the platform and cannot be written")
        else:
            problem = _value_problem(value, name, 0)
            if problem:
                problems.append(problem)
        if len(problems) >= 20:
            break
    if problems:
        raise ValidationFailed("variables refused", {field: problems})
    return variables


def _value_problem(value, path: str, depth: int) -> str | None:
    if depth > MAX_DEPTH:
        return f"'{path}' is nested deeper than {MAX_DEPTH} levels"
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if -MAX_INT - 1 <= value <= MAX_INT else f"'{path}' is out of the 64-bit integer range"
    if isinstance(value, float):
        return None if math.isfinite(value) else f"'{path}' is not a finite number"
    if isinstance(value, str):
        return None if len(value) <= MAX_STRING else f"'{path}' is longer than {MAX_STRING} characters"
    if isinstance(value, list):
        if len(value) > MAX_ITEMS:
            return f"'{path}' has more than {MAX_ITEMS} items"
        for index, item in enumerate(value):
            problem = _value_problem(item, f"{path}[{index}]", depth + 1)
            if problem:
                return problem
        return None
    if isinstance(value, dict):
        if len(value) > MAX_ITEMS:
            return f"'{path}' has more than {MAX_ITEMS} keys"
        for key, item in value.items():
            if not isinstance(key, str):
                return f"'{path}' has a key that is not a string"
            if key == RESERVED_KEY:
                return f"'{path}' uses the reserved key '{RESERVED_KEY}'"
            problem = _value_problem(item, f"{path}.{key}", depth + 1)
            if problem:
                return problem
        return None
    return f"'{path}' is not a plain JSON value"
