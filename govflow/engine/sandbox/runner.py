"""Running compiled code: the namespace it sees, its deadline, and the timer backstop."""
from __future__ import annotations

import signal
import threading
import time
from typing import Any

from .compiler import CompiledCode, compile_expression, compile_script
from .errors import EvaluationTimeout, SandboxError
from .guards import BUILTINS, budget

DEFAULT_TIME_LIMIT = 1.0     #: seconds per evaluation unless the caller says otherwise
_ALARM_GRACE = 0.05          # the loop checks should win; the timer only catches C calls


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
    namespace["__builtins__"] = BUILTINS
    return namespace


def _run(run, compiled: CompiledCode, namespace: dict, time_limit: float | None):
    if not compiled.may_call:  # only operators on data: no user code can run, nothing to time
        return run(compiled.code, namespace)
    limit = DEFAULT_TIME_LIMIT if time_limit is None else time_limit
    now = time.monotonic()
    # A nested evaluation never extends the budget of the one it runs in.
    deadline = min(budget.get()[0], now + limit)
    token = budget.set((deadline, limit))
    alarm = None
    try:
        if compiled.may_loop and threading.current_thread() is threading.main_thread() \
                and hasattr(signal, "setitimer"):
            alarm = _arm_alarm(deadline - now + _ALARM_GRACE)
        return run(compiled.code, namespace)
    finally:
        if alarm is not None:
            _disarm_alarm(*alarm)
        budget.reset(token)


def _on_alarm(signum, frame):
    raise EvaluationTimeout(f"evaluation exceeded its time limit of {budget.get()[1]:g} s")


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
