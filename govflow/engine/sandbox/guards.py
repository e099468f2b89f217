"""What runs alongside sandboxed code: the deadline and size checks that instrumented code
calls, the attribute guard, and the builtins on offer (the ``_sb_`` and ``_juel_`` helpers
among them)."""
from __future__ import annotations

import operator
import re
import time
from collections.abc import Callable
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import ModuleType
from typing import Any

from .checks import check_attribute_name
from .errors import EvaluationTimeout, ResourceLimit, UnsafeCode

MAX_ITEMS = 1_000_000        #: largest string/sequence an operator may build, longest range()
MAX_INT_BITS = 100_000       #: largest integer ** * << may build (~30,000 digits)
MAX_FORMAT_WIDTH = 10_000    #: largest width/precision in a format spec or %-format


# (deadline on the monotonic clock, limit in seconds) of the evaluation running in this
# thread; a ContextVar is per thread and the cheapest thread-safe store to read and reset.
budget: ContextVar[tuple[float, float]] = ContextVar("sandbox_budget", default=(float("inf"), 0.0))


def _tick() -> None:
    deadline, limit = budget.get()
    if time.monotonic() > deadline:
        raise EvaluationTimeout(f"evaluation exceeded its time limit of {limit:g} s")


def _tick_true() -> bool:
    _tick()
    return True


def _guarded_getattr(obj: Any, name: str) -> Any:
    if isinstance(obj, ModuleType):
        raise UnsafeCode(f"attribute access on a module is not allowed ({name!r})")
    value = getattr(obj, name)
    if isinstance(value, ModuleType):
        raise UnsafeCode(f"attribute {name!r} is a module, which is not allowed")
    guard = _METHOD_GUARDS.get(name)
    if guard is None:
        return value
    if isinstance(obj, type) and obj in _GUARDED_TYPES:  # unbound, e.g. str.join(sep, items)
        raise UnsafeCode(f"call {name}() on a value, e.g. ','.join(items)")
    return guard(value, name, obj) if isinstance(obj, _GUARDED_TYPES) or name == "strptime" else value


_GUARDED_TYPES = (str, bytes, bytearray, list)


_RESULT_SIZE = {  # length of the result of instance.name(*args)
    "ljust": lambda s, width, *_: width, "rjust": lambda s, width, *_: width,
    "center": lambda s, width, *_: width, "zfill": lambda s, width: width,
    "expandtabs": lambda s, tabsize=8: len(s) * max(tabsize, 1),
    "replace": lambda s, old, new, *_: len(s) + (s.count(old) if old else len(s) + 1) * max(len(new) - len(old), 0),
    "extend": lambda s, other: len(s) + operator.length_hint(other),
    "join": lambda s, items: sum(map(len, items)) + len(s) * max(len(items) - 1, 0),
}


def _size_checked(method, name: str, instance):
    def checked(*args, **kwargs):
        if name == "join" and args:
            args = (list(args[0]),)  # materialise once so that it can be measured
        size = _RESULT_SIZE[name](instance, *args, **kwargs)
        if isinstance(size, int) and size > MAX_ITEMS:
            raise _too_big(f"the result of {name}()")
        return method(*args, **kwargs)
    return checked


# Codecs written in Python (punycode is quadratic: 5,000 characters take 10 s) run
# without deadline checks, so only the C codecs that text from forms needs are allowed.
_SAFE_CODECS = frozenset({"utf-8", "utf8", "utf-16", "utf-32", "ascii", "latin-1", "latin1",
                          "iso-8859-1", "gbk", "gb2312", "gb18030", "big5"})


def _codec_checked(method, name, instance):
    def checked(encoding="utf-8", errors="strict"):
        if not isinstance(encoding, str) or encoding.lower().replace("_", "-") not in _SAFE_CODECS:
            raise UnsafeCode(f"encoding {encoding!r} is not allowed")
        return method(encoding, errors)
    return checked


def _strptime_checked(method, name, instance):
    # strptime compiles its format with the pure-Python regex compiler: 10,000 directives
    # take over a second there, out of reach of the deadline checks.
    def checked(date_string, format):
        if len(str(date_string)) + len(str(format)) > MAX_FORMAT_WIDTH // 10:
            raise _too_big("the strptime() input")
        return method(date_string, format)
    return checked


_METHOD_GUARDS = {**dict.fromkeys(_RESULT_SIZE, _size_checked), "encode": _codec_checked,
                  "decode": _codec_checked, "strptime": _strptime_checked}


def _too_big(what: str) -> ResourceLimit:
    return ResourceLimit(f"{what} exceeds the sandbox's size limit")


def _check_pow(a, b):
    if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1 and a.bit_length() * b > MAX_INT_BITS:
        raise _too_big("the power")


def _check_mul(a, b):
    if isinstance(a, int) and isinstance(b, int):
        if a.bit_length() + b.bit_length() > MAX_INT_BITS:
            raise _too_big("the product")
    elif isinstance(a, _SEQUENCES) and isinstance(b, int) or isinstance(b, _SEQUENCES) and isinstance(a, int):
        sequence, times = (a, b) if isinstance(a, _SEQUENCES) else (b, a)
        if len(sequence) * times > MAX_ITEMS:
            raise _too_big("the repeated sequence")


def _check_lshift(a, b):
    if isinstance(a, int) and isinstance(b, int) and a and a.bit_length() + b > MAX_INT_BITS:
        raise _too_big("the shifted integer")


def _check_add(a, b):
    if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES) and len(a) + len(b) > MAX_ITEMS:
        raise _too_big("the concatenation")


def _check_mod(a, b):
    if isinstance(a, str):  # '%*d' and '%99999999d' would allocate the width
        _check_widths(n for spec in _PERCENT_SPEC.findall(a) for n in spec if n)


def _check_widths(numbers) -> None:
    if any(n == "*" or int(n) > MAX_FORMAT_WIDTH for n in numbers):
        raise _too_big("the format width")


_SEQUENCES = (str, bytes, bytearray, list, tuple)
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _guarded(check, op):
    """``op`` preceded by ``check``; for BinOp and for the in-place ops of AugAssign."""
    def guarded(a, b):
        check(a, b)
        return op(a, b)
    return guarded


def _safe_format(value, spec: str = "") -> str:
    _check_widths(re.findall(r"\d+", spec))
    return format(value, spec)


_CONVERSIONS: dict[int, Callable[[object], str]] = {ord("r"): repr, ord("s"): str, ord("a"): ascii}


def _fstring_value(value, conversion: int, spec: str) -> str:
    """``f'{value!r:spec}'`` with the spec checked; conversion as in ast.FormattedValue."""
    return _safe_format(_CONVERSIONS[conversion](value) if conversion in _CONVERSIONS else value, spec)


def _augitem(container, key, op, value) -> None:
    container[key] = op(container[key], value)


def _bounded_range(*args) -> range:
    numbers = range(*args)
    try:
        size = len(numbers)
    except OverflowError:  # longer than sys.maxsize
        size = MAX_ITEMS + 1
    if size > MAX_ITEMS:
        raise ResourceLimit(f"range() of more than {MAX_ITEMS:,} items is only allowed in a for loop")
    return numbers


_SAFE_TYPES = frozenset({bool, int, float, complex, str, bytes, list, tuple, dict, set, frozenset,
                         datetime, date, timedelta})


def _safe_isinstance(obj, classinfo) -> bool:
    classes = classinfo if isinstance(classinfo, tuple) else (classinfo,)
    if not all(isinstance(cls, type) and cls in _SAFE_TYPES for cls in classes):
        raise TypeError("isinstance() accepts only the builtin value types, datetime, date and timedelta")
    return isinstance(obj, classinfo)


# map and filter call back in C: map(lst.append, lst) would grow lst forever without
# ever reaching a deadline check, so these versions check on every item.
def _ticking_map(function, *iterables):
    for args in zip(*iterables):
        _tick()
        yield function(*args)


def _ticking_filter(function, iterable):
    for item in iterable:
        _tick()
        if (item if function is None else function(item)):
            yield item


def _safe_sum(iterable, start=0):
    if not isinstance(start, (int, float, complex, Decimal, timedelta)):
        raise TypeError("sum() adds numbers only in the sandbox")
    return sum(iterable, start)


# ------------------------------------------------------------------------- JUEL helpers

def _juel_get(base, key):
    """JUEL ``base.key`` / ``base[key]``: ``None`` for a null base, a missing dict key or an
    index out of range; attributes of other objects pass the attribute checks."""
    if base is None:
        return None
    if isinstance(base, dict):
        return base.get(key)
    if isinstance(base, (list, tuple)):
        index = int(key)
        return base[index] if 0 <= index < len(base) else None
    if not isinstance(key, str):
        raise TypeError(f"cannot read property {key!r} of a {type(base).__name__}")
    check_attribute_name(key)
    return _guarded_getattr(base, key)


def _juel_empty(value) -> bool:
    """JUEL ``empty``: true for null, '' and empty collections."""
    return value is None or (isinstance(value, (str, list, tuple, dict, set, frozenset)) and not value)


def _juel_str(value) -> str:
    """JUEL string coercion: null → '', booleans → 'true'/'false'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ------------------------------------------------------------------------- builtins

_SAFE_BUILTINS = {
    "abs": abs, "all": all, "any": any, "bool": bool, "dict": dict, "divmod": divmod,
    "enumerate": enumerate, "filter": _ticking_filter, "float": float, "format": _safe_format,
    "frozenset": frozenset, "int": int, "isinstance": _safe_isinstance, "len": len, "list": list,
    "map": _ticking_map, "max": max, "min": min, "next": next, "range": _bounded_range, "reversed": reversed,
    "round": round, "set": set, "sorted": sorted, "str": str, "sum": _safe_sum, "tuple": tuple,
    "zip": zip, "True": True, "False": False, "None": None,
    "datetime": datetime, "date": date, "timedelta": timedelta,
}
# Helpers live among the builtins, so a namespace is one copy of the data plus one key.
BUILTINS = {
    **_SAFE_BUILTINS, "_sb_tick": _tick, "_sb_tick_true": _tick_true,
    "_sb_getattr": _guarded_getattr, "_sb_augitem": _augitem, "_sb_slice": slice,
    "_sb_format": _fstring_value, "_sb_loop_range": range,
    "_juel_get": _juel_get, "_juel_empty": _juel_empty, "_juel_str": _juel_str,
}
for _op, _check_op in (("pow", _check_pow), ("mul", _check_mul), ("lshift", _check_lshift),
                       ("add", _check_add), ("mod", _check_mod)):
    BUILTINS[f"_sb_{_op}"] = _guarded(_check_op, getattr(operator, _op))
    BUILTINS[f"_sb_i{_op}"] = _guarded(_check_op, getattr(operator, f"i{_op}"))
