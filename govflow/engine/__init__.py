"""The only package that imports SpiffWorkflow.

The rest of the platform speaks through this facade: parse files into bundles,
lint them, start/load/dump an :class:`EngineInstance`, and the clock.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

# clock, durations and cycles bind SpiffWorkflow's timers to the platform's on import
from . import clock, cycles, durations, sandbox, versions  # noqa: F401
from .bundle import BundleCache, BundleError, ParseProblem, ProcessBundle, parse_bundles  # noqa: F401
from .lint import timers as lint_timers
from .outcomes import EngineError, ExternalWait, NotWaiting, StepFailure  # noqa: F401
from .parser import parse_xml  # noqa: F401
from .runtime import EngineInstance, ReadyUserTask  # noqa: F401

_config: dict[str, Any] = {"service_caller": None, "time_limit": 1.0, "max_multi_instance": 1000, "step_budget": 5.0}
_script_engine = None


def configure(service_caller: Callable | None = None, time_limit: float | None = None,
              max_multi_instance: int | None = None, isolation: str | None = None,
              step_budget: float | None = None, timezone: str | None = None,
              timer_min_interval: int | None = None) -> None:
    """Set how service tasks are dispatched, the sandbox limits and the time zone
    durations and bare date-times are counted in (at app start)."""
    global _script_engine
    if timezone is not None:
        durations.configure_zone(timezone)
    if timer_min_interval is not None:
        lint_timers.configure_min_interval(timer_min_interval)
    for name, value in (("service_caller", service_caller), ("time_limit", time_limit),
                        ("max_multi_instance", max_multi_instance), ("step_budget", step_budget)):
        if value is not None:
            _config[name] = value
    if isolation is not None:
        sandbox.configure(isolation)
    _script_engine = None


def step_budget():
    """Context manager: the evaluations of one step share ``STEP_TIME_BUDGET`` seconds."""
    return sandbox.step_budget(_config["step_budget"])


def get_script_engine():
    """The shared script engine: sandboxed Python and translated JUEL."""
    global _script_engine
    if _script_engine is None:
        from .script_engine import GovflowScriptEngine, SandboxEnvironment
        environment = SandboxEnvironment(service_caller=_config["service_caller"],
                                         time_limit=_config["time_limit"])
        _script_engine = GovflowScriptEngine(environment=environment)
        _script_engine.max_multi_instance = _config["max_multi_instance"]
    return _script_engine


def compact(instance: EngineInstance) -> int:
    """Drop engine history no step needs any more (the audit log keeps it for people)."""
    from .compaction import compact as _compact
    return _compact(instance.workflow)


def check_files(files: dict[str, bytes], library: dict[str, bytes], *, known_decisions=(),
         roles=None, form_keys=None, handlers=None, max_bytes: int = 2_000_000) -> list[dict]:
    """Problems in ``files`` as dicts (severity, code, message, file, element_id, line)."""
    from .juel import translate
    from .lint import LintContext, LintFailed, lint_files
    known_processes = _process_ids(library)
    ctx = LintContext(roles=roles, form_keys=form_keys, handlers=handlers,
                      known_process_ids=known_processes, known_decision_ids=set(known_decisions),
                      juel_translate=translate, sandbox_check=_sandbox_check,
                      max_bytes=max_bytes)
    try:
        problems = lint_files(files, ctx)
    except LintFailed as exc:
        problems = exc.problems
    return [dataclasses.asdict(p) for p in problems]


def _sandbox_check(source: str, mode: str) -> None:
    from .sandbox import compile_expression, compile_script
    (compile_expression if mode == "eval" else compile_script)(source)


def _process_ids(library: dict[str, bytes]) -> set[str]:
    import re
    ids: set[str] = set()
    for data in library.values():
        ids.update(m.decode() for m in re.findall(rb'<(?:\w+:)?process\b[^>]*\bid="([^"]+)"', data))
    return ids
