"""Safe evaluation of the Python found in diagrams: conditions, scripts, DMN cells, JUEL.

Diagram authors describe procedures; they must not run code on the server. So:

* Refused when compiled (:class:`UnsafeCode`, with the line): imports, ``global``,
  ``nonlocal``, classes, async, ``yield``, ``with``, ``match``; names,
  attributes and parameters beginning with ``_`` (bar ``_`` and the JUEL helpers);
  frame/code/generator attributes (``gi_frame``, ``f_globals``, ``co_code``, ``tb_frame``
  …), ``mro``, ``format``/``format_map`` (``'{0.__class__}'.format(x)``; f-strings stay);
  calls of ``exec eval open getattr type …``; assigning attributes (use ``x['key']``).
* Checked while running: attribute reads refuse modules (one placed in the context is
  unusable) and bound padding/replace/join/extend; ``** * << + %`` are size-checked
  (:class:`ResourceLimit`); ``range()`` outside a ``for`` header is capped.
* Time: a deadline check in every loop body, comprehension step and function call
  (:class:`EvaluationTimeout`); in the main thread ``setitimer`` backs it up for a long C
  call, restoring the previous handler and timer afterwards.
* Builtins: abs all any bool dict divmod enumerate filter float format frozenset int
  isinstance (value types only) len list map max min next range reversed round set sorted
  str sum (numbers only) tuple zip; the classes datetime, date, timedelta and Decimal
  (their attributes lead to values, never to a module).

Not covered: memory grown step by step within the time limit (``append`` in a loop), so
run workers under a memory limit. Task data may not use the helpers' ``_`` names.
"""
from __future__ import annotations

import ast
import functools
import operator
import re
import signal
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import ModuleType
from typing import Any

__all__ = ["SandboxError", "UnsafeCode", "EvaluationTimeout", "ResourceLimit", "CompiledCode",
           "compile_expression", "compile_script", "evaluate", "execute", "DEFAULT_TIME_LIMIT",
           "MAX_ITEMS", "JUEL_HELPERS"]

DEFAULT_TIME_LIMIT = 1.0     #: seconds per evaluation unless the caller says otherwise
MAX_ITEMS = 1_000_000        #: largest string/sequence an operator may build, longest range()
MAX_INT_BITS = 100_000       #: largest integer ** * << may build (~30,000 digits)
MAX_FORMAT_WIDTH = 10_000    #: largest width/precision in a format spec or %-format
_ALARM_GRACE = 0.05          # the loop checks should win; the timer only catches C calls


class SandboxError(Exception):
    """Base of everything the sandbox refuses."""


class UnsafeCode(SandboxError):
    """Code refused by policy; ``lineno`` is set when refused at compile time."""

    def __init__(self, reason: str, lineno: int | None = None):
        self.reason = reason
        self.lineno = lineno
        super().__init__(f"line {lineno}: {reason}" if lineno else reason)


class EvaluationTimeout(SandboxError):
    """The evaluation ran past its time limit."""


class ResourceLimit(SandboxError):
    """An operation would build a value beyond the sandbox's size limits."""


# ------------------------------------------------------------------------- compile

JUEL_HELPERS = frozenset({"_juel_get", "_juel_empty", "_juel_str"})
_FORBIDDEN_CALLS = frozenset({
    "exec", "eval", "open", "compile", "getattr", "setattr", "delattr", "globals", "locals",
    "vars", "dir", "type", "__import__", "input", "breakpoint", "help", "memoryview", "object",
    "super", "classmethod", "staticmethod", "property"})
_FORBIDDEN_NODES = {
    ast.Import: "import statements", ast.ImportFrom: "import statements",
    ast.Global: "global statements", ast.Nonlocal: "nonlocal statements",
    ast.ClassDef: "class definitions", ast.AsyncFunctionDef: "async functions",
    ast.AsyncFor: "async loops", ast.AsyncWith: "async with", ast.Await: "await",
    ast.Yield: "yield", ast.YieldFrom: "yield", ast.With: "with statements",
    ast.Match: "match statements"}  # patterns read attributes without the runtime checks
_FORBIDDEN_ATTRIBUTES = frozenset({"mro", "format", "format_map"})
# Frames, code, generators, tracebacks and functions lead back to globals and builtins.
_FORBIDDEN_PREFIXES = ("_", "gi_", "cr_", "ag_", "f_", "co_", "tb_", "func_", "im_")


@dataclass(frozen=True, slots=True)
class CompiledCode:
    """Checked and instrumented code.

    ``may_loop``: has loops, comprehensions or functions (arms the timer backstop);
    ``may_call``: calls something, so user code may run (sets the deadline);
    ``helpers``: sandbox helper names the code uses (task data may not shadow them).
    """
    source: str
    code: Any
    may_loop: bool
    may_call: bool
    helpers: frozenset


@functools.lru_cache(maxsize=4096)
def compile_expression(src: str) -> CompiledCode:
    """Compile one expression (surrounding whitespace ignored); cached by source.

    Raises SyntaxError for invalid Python and UnsafeCode for refused constructs.
    """
    return _compile(src.strip(), "eval")


@functools.lru_cache(maxsize=4096)
def compile_script(src: str) -> CompiledCode:
    """Compile a script (statements); cached by source. Raises like compile_expression."""
    return _compile(src, "exec")


def _compile(src: str, mode: str) -> CompiledCode:
    tree = ast.parse(src, filename="<string>", mode=mode)
    _check(tree)
    may_call = any(isinstance(node, ast.Call) for node in ast.walk(tree))
    instrumenter = _Instrumenter()
    tree = ast.fix_missing_locations(instrumenter.visit(tree))
    helpers = frozenset(node.id for node in ast.walk(tree)
                        if isinstance(node, ast.Name) and node.id.startswith("_") and node.id in _BUILTINS)
    # '<string>' is the file name SpiffWorkflow looks for to report a script's line.
    return CompiledCode(src, compile(tree, "<string>", mode), instrumenter.may_loop,
                        may_call or instrumenter.may_loop, helpers)


def _check_attribute_name(name: str, lineno: int | None = None) -> None:
    """Raise UnsafeCode unless ``name`` may be read as an attribute."""
    if name.startswith(_FORBIDDEN_PREFIXES) or name in _FORBIDDEN_ATTRIBUTES:
        raise UnsafeCode(f"access to attribute {name!r} is not allowed", lineno)


def _check_name(name: str, lineno: int, loading: bool = False) -> None:
    if name.startswith("_") and name != "_" and not (loading and name in JUEL_HELPERS):
        raise UnsafeCode(f"name {name!r} is not allowed (names beginning with '_' are reserved)", lineno)


def _check(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        line = getattr(node, "lineno", None)
        if type(node) in _FORBIDDEN_NODES:
            raise UnsafeCode(f"{_FORBIDDEN_NODES[type(node)]} are not allowed", line)
        if isinstance(node, ast.Name):
            _check_name(node.id, line, isinstance(node.ctx, ast.Load))
        elif isinstance(node, ast.Attribute):
            _check_attribute_name(node.attr, line)
            if not isinstance(node.ctx, ast.Load):
                raise UnsafeCode("assigning or deleting attributes is not allowed; use x['key'] = …", line)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FORBIDDEN_CALLS:
            raise UnsafeCode(f"calling {node.func.id}() is not allowed", line)
        elif isinstance(node, (ast.arg, ast.FunctionDef, ast.ExceptHandler)):
            name = node.arg if isinstance(node, ast.arg) else node.name
            if name:
                _check_name(name, line)


def _call(helper: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(id=helper, ctx=ast.Load()), args=list(args), keywords=[])


_GUARDED_OPS = {ast.Pow: "_sb_pow", ast.Mult: "_sb_mul", ast.LShift: "_sb_lshift",
                ast.Add: "_sb_add", ast.Mod: "_sb_mod"}


class _Instrumenter(ast.NodeTransformer):
    """Adds deadline checks and size guards. Runs after _check, so the ``_sb_`` names it
    introduces cannot be written by the author."""

    def __init__(self):
        self.may_loop = False

    def _loop_body(self, node):
        self.generic_visit(node)
        self.may_loop = True
        node.body.insert(0, ast.copy_location(ast.Expr(_call("_sb_tick")), node))
        return node

    visit_While = visit_FunctionDef = _loop_body

    def visit_For(self, node):
        node.iter = self._unbounded_range(node.iter)
        return self._loop_body(node)

    def visit_comprehension(self, node):
        self.generic_visit(node)
        self.may_loop = True
        node.iter = self._unbounded_range(node.iter)
        node.ifs.insert(0, _call("_sb_tick_true"))
        return node

    def visit_Lambda(self, node):
        self.generic_visit(node)
        self.may_loop = True
        # _sb_tick() returns None, so `None or body` is the body's value.
        node.body = ast.BoolOp(op=ast.Or(), values=[_call("_sb_tick"), node.body])
        return node

    @staticmethod
    def _unbounded_range(iterable):
        # A for header iterates lazily under deadline checks, so any length is fine there.
        if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.func.id == "range":
            iterable.func = ast.Name(id="_sb_loop_range", ctx=ast.Load())
        return iterable

    def visit_BinOp(self, node):
        self.generic_visit(node)
        helper = _GUARDED_OPS.get(type(node.op))
        return ast.copy_location(_call(helper, node.left, node.right), node) if helper else node

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        helper = _GUARDED_OPS.get(type(node.op))
        if helper is None:
            return node
        helper = helper.replace("_sb_", "_sb_i")  # in-place variants keep `lst += …` aliasing
        target = node.target
        if isinstance(target, ast.Name):
            value = _call(helper, ast.Name(id=target.id, ctx=ast.Load()), node.value)
            return ast.copy_location(ast.Assign(targets=[target], value=value), node)
        key = target.slice
        if isinstance(key, ast.Slice):
            key = _call("_sb_slice", *(part or ast.Constant(None) for part in (key.lower, key.upper, key.step)))
        call = _call("_sb_augitem", target.value, key, ast.Name(id=helper, ctx=ast.Load()), node.value)
        return ast.copy_location(ast.Expr(call), node)

    def visit_Attribute(self, node):
        self.generic_visit(node)
        return ast.copy_location(_call("_sb_getattr", node.value, ast.Constant(node.attr)), node)

    def visit_FormattedValue(self, node):
        self.generic_visit(node)
        if node.format_spec is not None:
            node.value = _call("_sb_format", node.value, ast.Constant(node.conversion), node.format_spec)
            node.conversion, node.format_spec = -1, None
        return node


# ------------------------------------------------------------------------- runtime guards

# (deadline on the monotonic clock, limit in seconds) of the evaluation running in this
# thread; a ContextVar is per thread and the cheapest thread-safe store to read and reset.
_budget: ContextVar[tuple[float, float]] = ContextVar("sandbox_budget", default=(float("inf"), 0.0))


def _tick() -> None:
    deadline, limit = _budget.get()
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
    if name in _RESULT_SIZE and isinstance(obj, (str, bytes, list)):
        return _size_checked(value, name, obj)
    if name in _RESULT_SIZE and obj in (str, bytes, list):
        raise UnsafeCode(f"call {name}() on a value, e.g. ','.join(items)")
    return value


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


_CONVERSIONS = {ord("r"): repr, ord("s"): str, ord("a"): ascii}


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
                         datetime, date, timedelta, Decimal})


def _safe_isinstance(obj, classinfo) -> bool:
    classes = classinfo if isinstance(classinfo, tuple) else (classinfo,)
    if not all(isinstance(cls, type) and cls in _SAFE_TYPES for cls in classes):
        raise TypeError("isinstance() accepts only the builtin value types, datetime, date, timedelta, Decimal")
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
    _check_attribute_name(key)
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


# ------------------------------------------------------------------------- evaluate

_SAFE_BUILTINS = {
    "abs": abs, "all": all, "any": any, "bool": bool, "dict": dict, "divmod": divmod,
    "enumerate": enumerate, "filter": _ticking_filter, "float": float, "format": _safe_format,
    "frozenset": frozenset, "int": int, "isinstance": _safe_isinstance, "len": len, "list": list,
    "map": _ticking_map, "max": max, "min": min, "next": next, "range": _bounded_range, "reversed": reversed,
    "round": round, "set": set, "sorted": sorted, "str": str, "sum": _safe_sum, "tuple": tuple,
    "zip": zip, "True": True, "False": False, "None": None,
    "datetime": datetime, "date": date, "timedelta": timedelta, "Decimal": Decimal,
}
# Helpers live among the builtins, so a namespace is one copy of the data plus one key.
_BUILTINS = {
    **_SAFE_BUILTINS, "_sb_tick": _tick, "_sb_tick_true": _tick_true,
    "_sb_getattr": _guarded_getattr, "_sb_augitem": _augitem, "_sb_slice": slice,
    "_sb_format": _fstring_value, "_sb_loop_range": range,
    "_juel_get": _juel_get, "_juel_empty": _juel_empty, "_juel_str": _juel_str,
}
for _op, _check_op in (("pow", _check_pow), ("mul", _check_mul), ("lshift", _check_lshift),
                       ("add", _check_add), ("mod", _check_mod)):
    _BUILTINS[f"_sb_{_op}"] = _guarded(_check_op, getattr(operator, _op))
    _BUILTINS[f"_sb_i{_op}"] = _guarded(_check_op, getattr(operator, f"i{_op}"))


def evaluate(src: str, context: dict, extra: dict | None = None, *, time_limit: float | None = None) -> Any:
    """Value of the expression ``src`` over ``context`` (read-only) and ``extra`` (names
    visible to it, e.g. data objects; ``context`` wins on a clash).

    Raises SyntaxError, UnsafeCode, EvaluationTimeout, ResourceLimit, or whatever the
    expression itself raises (NameError, TypeError …).
    """
    compiled = compile_expression(src)
    return _run(eval, compiled, _namespace(compiled, context, extra), time_limit)


def execute(src: str, context: dict, extra: dict | None = None, *, time_limit: float | None = None) -> None:
    """Run the script ``src``; the variables it binds, rebinds or deletes update ``context``.

    The update happens only when the script succeeds. Helpers, builtins, names from
    ``extra`` and callables the script created (functions, lambdas) are not written back.
    Objects mutated in place (``x['items'].append(…)``) stay mutated even on failure.
    """
    compiled = compile_script(src)
    namespace = _namespace(compiled, context, extra)
    _run(exec, compiled, namespace, time_limit)
    for key in [key for key in context if key not in namespace]:
        del context[key]
    for key, value in namespace.items():
        # "__" covers __builtins__ and the __annotations__ that `x: int = 1` creates.
        if key.startswith("__") or (extra and key in extra and key not in context):
            continue
        if callable(value) and context.get(key) is not value:
            context.pop(key, None)
        else:
            context[key] = value


def _namespace(compiled: CompiledCode, context: dict, extra: dict | None) -> dict:
    namespace = {**extra, **context} if extra else context.copy()
    for name in compiled.helpers:
        if name in namespace:
            raise SandboxError(f"the variable name {name!r} is reserved by the sandbox")
    namespace["__builtins__"] = _BUILTINS
    return namespace


def _run(run, compiled: CompiledCode, namespace: dict, time_limit: float | None):
    if not compiled.may_call:  # only operators on data: no user code can run, nothing to time
        return run(compiled.code, namespace)
    limit = DEFAULT_TIME_LIMIT if time_limit is None else time_limit
    now = time.monotonic()
    # A nested evaluation never extends the budget of the one it runs in.
    deadline = min(_budget.get()[0], now + limit)
    token = _budget.set((deadline, limit))
    alarm = None
    try:
        if compiled.may_loop and threading.current_thread() is threading.main_thread() \
                and hasattr(signal, "setitimer"):
            alarm = _arm_alarm(deadline - now + _ALARM_GRACE)
        return run(compiled.code, namespace)
    finally:
        if alarm is not None:
            _disarm_alarm(*alarm)
        _budget.reset(token)


def _on_alarm(signum, frame):
    raise EvaluationTimeout(f"evaluation exceeded its time limit of {_budget.get()[1]:g} s")


def _arm_alarm(seconds: float):
    previous_handler = signal.signal(signal.SIGALRM, _on_alarm)
    previous_timer = signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3))
    return previous_handler, previous_timer, time.monotonic()


def _disarm_alarm(previous_handler, previous_timer, armed_at) -> None:
    signal.setitimer(signal.ITIMER_REAL, 0)
    # None means the handler was not installed from Python; the default is the best guess.
    signal.signal(signal.SIGALRM, signal.SIG_DFL if previous_handler is None else previous_handler)
    remaining, interval = previous_timer
    if remaining > 0:  # someone else's timer was running: give it back what is left
        signal.setitimer(signal.ITIMER_REAL, max(remaining - (time.monotonic() - armed_at), 1e-6), interval)
