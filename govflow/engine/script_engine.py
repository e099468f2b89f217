"""SpiffWorkflow's script engine, running everything through the sandbox.

SpiffWorkflow evaluates gateway conditions, multi-instance cardinalities, timer
expressions and DMN cells with ``script_engine.evaluate(task, text)`` and runs script
tasks with ``script_engine.execute(task, script)``; its default environment calls the
real ``eval``/``exec``. :class:`GovflowScriptEngine` swaps in :class:`SandboxEnvironment`
and understands Camunda's JUEL (``${amount > 1000}``) wherever an expression is
evaluated through the engine.

DMN cells need no special case: SpiffWorkflow's DMNEngine builds plain Python out of them
(``3`` → ``(x) == (3)``, ``>= 6`` → ``x>= 6``, ``"A"``, ``1,2`` → a tuple, ``-`` or an
empty cell → no test) and asks :meth:`GovflowScriptEngine.validate` whether a cell parses,
so validate keeps raising SyntaxError exactly as ``ast.parse`` does.
"""
from __future__ import annotations

import ast
from collections.abc import Callable
from types import ModuleType
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import juel, sandbox
from .runtime_checks import RuntimeValueRefused, check_evaluated
from .sandbox.cache import bytes_cached

__all__ = ["SandboxEnvironment", "GovflowScriptEngine", "ServiceCallerMissing", "python_source"]

#: ``service_caller(task_data, **kwargs)`` as SpiffWorkflow's service tasks call it.
ServiceCaller = Callable[..., Any]


class ServiceCallerMissing(RuntimeError):
    """A service task ran on an engine that was built without a service caller."""


@bytes_cached(sandbox.COMPILE_CACHE_BYTES)
def python_source(expression: str) -> str:
    """The Python to evaluate for ``expression``: JUEL translated, anything else unchanged.

    Cached because the same diagram texts are evaluated over and over. Raises JuelError.
    """
    return juel.translate(expression) if juel.is_juel(expression) else expression


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates Python in the sandbox; the environment takes Python, never JUEL.

    ``environment_globals``: functions the platform offers to every script (e.g. date
    helpers); modules and names beginning with '_' are refused, because they would hand
    the sandboxed code a way out. In process isolation they reach the sandbox child by
    reference, so they must be importable by a child that imports only the standard
    library (a lambda is refused as UnsafeCode). ``service_caller`` serves service tasks.
    ``time_limit``: seconds per evaluation.
    """

    def __init__(self, environment_globals: dict | None = None, service_caller: ServiceCaller | None = None,
                 time_limit: float = sandbox.DEFAULT_TIME_LIMIT):
        super().__init__(environment_globals)
        for name, value in self.globals.items():
            if name.startswith("_") or isinstance(value, ModuleType):
                raise ValueError(f"environment global {name!r} cannot be offered to sandboxed code")
        self.service_caller = service_caller
        self.time_limit = time_limit

    def evaluate(self, expression, context, external_context=None):
        """Value of ``expression`` over ``context``; ``external_context`` is visible too."""
        return sandbox.evaluate(expression, context, self._extra(external_context), time_limit=self.time_limit)

    def execute(self, script, context, external_context=None):
        """Run ``script``; the variables it sets land in ``context``. Returns True.

        Raises ValueError when task data would hide one of the environment's functions,
        which otherwise surfaces later as a baffling "object is not callable".
        """
        clashes = set(context).intersection(self._extra(external_context))
        if clashes:
            raise ValueError("Task data overwrites predefined function(s); please rename the "
                             f"following variable(s): {', '.join(sorted(clashes))}")
        sandbox.execute(script, context, self._extra(external_context), time_limit=self.time_limit)
        return True

    def call_service(self, context, **kwargs):
        """Delegates to ``service_caller(context, **kwargs)``; raises ServiceCallerMissing without one."""
        if self.service_caller is None:
            raise ServiceCallerMissing(f"no service caller is configured (service task called with {sorted(kwargs)})")
        return self.service_caller(context, **kwargs)

    def _extra(self, external_context: dict | None) -> dict:
        if not external_context:
            return self.globals
        return {**self.globals, **external_context}


class GovflowScriptEngine(PythonScriptEngine):
    """PythonScriptEngine over a :class:`SandboxEnvironment`, with JUEL translation.

    Errors keep SpiffWorkflow's shape: a WorkflowTaskException naming the task and the
    expression as written in the diagram (a JuelError included), or the script's line.
    """

    #: Largest multi-instance count a computed cardinality may give (MAX_MULTI_INSTANCE).
    max_multi_instance = 1000

    def __init__(self, environment: BasePythonScriptEngineEnvironment | None = None, *,
                 environment_globals: dict | None = None, service_caller: ServiceCaller | None = None,
                 time_limit: float = sandbox.DEFAULT_TIME_LIMIT):
        super().__init__(environment or SandboxEnvironment(environment_globals, service_caller, time_limit))

    def validate(self, expression):
        """Parse ``expression`` (JUEL translated first); raises SyntaxError or JuelError."""
        ast.parse(python_source(expression))

    def evaluate(self, task, expression, external_context=None):
        source = expression
        try:
            source = python_source(expression)
            value = self.environment.evaluate(source, task.data, external_context)
            check_evaluated(task.task_spec, expression, value, self.max_multi_instance)
            return value
        except SpiffWorkflowException as err:
            err.add_note(f"Error evaluating expression '{expression}'")
            raise
        except Exception as err:
            error = WorkflowTaskException(f"Error evaluating expression '{expression}'", task=task, exception=err)
            if isinstance(err, (juel.JuelError, sandbox.SandboxError, RuntimeValueRefused)):
                error.add_note(str(err))
            if source != expression:
                error.add_note(f"Translated from JUEL to '{source}'")
            raise error from err

    def call_service(self, task, **kwargs):
        # SpiffWorkflow's own version refers to an undefined `script` when wrapping errors.
        try:
            return self.environment.call_service(task.data, **kwargs)
        except SpiffWorkflowException:
            raise
        except Exception as err:
            raise WorkflowTaskException(f"Service call failed: {err}", task=task, exception=err) from err

    def get_error_line_number_and_content(self, script, err):
        """Also report the line refused by the sandbox, or where a sandbox child raised."""
        # Raised in a sandbox child, the error has no traceback here; the child sent the line.
        lineno = err.lineno if isinstance(err, sandbox.UnsafeCode) else getattr(err, "sandbox_lineno", None)
        if lineno:
            lines = script.splitlines()
            return lineno, lines[lineno - 1] if lineno <= len(lines) else ""
        return super().get_error_line_number_and_content(script, err)
