"""Running compiled code: where it runs, the namespace it sees, its deadline, the step's
budget, and the timer backstop.

Code that only applies operators to data (``compiled.may_call`` false: the size guards
bound every operator) runs here, in microseconds. Anything that calls a function or loops
runs in a sandbox child process (:mod:`.pool`) unless :func:`configure` says
``isolation="inline"``; there the same code and checks run, under the kernel's limits.
"""
from __future__ import annotations

import contextlib
import signal
import threading
import time
from contextvars import ContextVar
from typing import Any

from .compiler import CompiledCode, compile_expression, compile_script
from .errors import EvaluationTimeout, SandboxError, StepBudgetExceeded
from .guards import BUILTINS, budget
from .pool import pool

DEFAULT_TIME_LIMIT = 1.0     #: seconds per evaluation unless the caller says otherwise
ISOLATION_MODES = ("process", "inline")
_ALARM_GRACE = 0.05          # the loop checks should win; the timer only catches C calls
_settings = {"isolation": "process"}
# (deadline on the monotonic clock, seconds granted) of the step running in this context.
_step: ContextVar[tuple[float, float]] = ContextVar("sandbox_step", default=(float("inf"), 0.0))


def configure(isolation: str) -> None:
    """``"process"`` (default): calling code runs in a child under OS limits;
    ``"inline"``: everything runs in the calling process (trusted authors only)."""
    if isolation not in ISOLATION_MODES:
        raise ValueError(f"isolation must be one of {ISOLATION_MODES}, got {isolation!r}")
    _settings["isolation"] = isolation


@contextlib.contextmanager
def step_budget(seconds: float | None):
    """Give the evaluations inside the block ``seconds`` in total (none: no budget).

    Each evaluation's limit is cut to what is left; once it is used up the next
    evaluation raises StepBudgetExceeded. Nested budgets never extend an outer one.
    """
    if seconds is None:
        yield
        return
    token = _step.set(min(_step.get(), (time.monotonic() + seconds, seconds)))
    try:
        yield
    finally:
        _step.reset(token)


def evaluate(src: str, context: dict, extra: dict | None = None, *, time_limit: float | None = None) -> Any:
    """Value of the expression ``src`` over ``context`` (read-only) and ``extra`` (names
    visible to it, e.g. data objects; ``context`` wins on a clash).

    Raises SyntaxError, UnsafeCode, EvaluationTimeout (StepBudgetExceeded when the step's
    budget ran out), ResourceLimit, or whatever the expression itself raises.
    """
    return _dispatch("eval", compile_expression(src), src, context, extra, time_limit)


def execute(src: str, context: dict, extra: dict | None = None, *, time_limit: float | None = None) -> None:
    """Run the script ``src``; the variables it binds, rebinds or deletes update ``context``.

    The update happens only when the script succeeds. Helpers, builtins, names from
    ``extra`` and callables the script created (functions, lambdas) are not written back.
    Run in a child, the context receives copies; run here, objects mutated in place
    (``x['items'].append(…)``) stay mutated even on failure.
    """
    result = _dispatch("exec", compile_script(src), src, context, extra, time_limit)
    if result is not context:
        context.clear()
        context.update(result)


def run_here(mode: str, src: str, context: dict, extra: dict | None, time_limit: float):
    """Run in this process: the value of an expression, or ``context`` updated by a script."""
    compiled = (compile_expression if mode == "eval" else compile_script)(src)
    namespace = _namespace(compiled, context, extra)
    value = _run(eval if mode == "eval" else exec, compiled, namespace, time_limit)
    if mode == "eval":
        return value
    _write_back(namespace, context, extra)
    return context


def _dispatch(mode: str, compiled: CompiledCode, src: str, context: dict, extra: dict | None,
              time_limit: float | None):
    deadline, granted = _step.get()
    limit = DEFAULT_TIME_LIMIT if time_limit is None else time_limit
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise StepBudgetExceeded(f"the step used up its time budget of {granted:g} s")
    cut = remaining < limit
    try:
        if compiled.may_call and _settings["isolation"] == "process":
            return pool.run(mode, src, context, extra, min(limit, remaining))
        return run_here(mode, src, context, extra, min(limit, remaining))
    except EvaluationTimeout as exc:
        if cut and not isinstance(exc, StepBudgetExceeded):
            raise StepBudgetExceeded(f"the step used up its time budget of {granted:g} s") from exc
        raise


def _write_back(namespace: dict, context: dict, extra: dict | None) -> None:
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


def _run(run, compiled: CompiledCode, namespace: dict, time_limit: float):
    if not compiled.may_call:  # only operators on data: no user code can run, nothing to time
        return run(compiled.code, namespace)
    now = time.monotonic()
    # A nested evaluation never extends the budget of the one it runs in.
    deadline = min(budget.get()[0], now + time_limit)
    token = budget.set((deadline, time_limit))
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
