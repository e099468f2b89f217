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
* Time: a deadline check in every loop body, comprehension step, function call and
  map/filter item (:class:`EvaluationTimeout`); in the main thread ``setitimer`` backs it
  up, restoring the previous handler and timer afterwards. Codecs written in Python
  (punycode …) are refused, since no check runs inside them.
* Builtins: abs all any bool dict divmod enumerate filter float format frozenset int
  isinstance (value types only) len list map max min next range reversed round set sorted
  str sum (numbers only) tuple zip; the classes datetime, date and timedelta (their
  attributes lead to values, never to a module). Decimal is left out: ``int()`` of
  ``Decimal('1e999999')`` runs for minutes inside C, where nothing can stop it.

Not covered, as in any in-process sandbox: memory grown step by step within the limit
(``append`` in a loop), and one C call over a structure built to be huge, e.g. ``str(x)``
after ``x = [x, x]`` sixty times, which holds the GIL until it ends. Authors are staff
with the designer role; for untrusted authors, evaluate in a subprocess under rlimits.
Task data may not use the helpers' ``_`` names.
"""
from __future__ import annotations

from .checks import JUEL_HELPERS
from .compiler import COMPILE_CACHE_BYTES, CompiledCode, compile_expression, compile_script
from .errors import EvaluationTimeout, ResourceLimit, SandboxError, StepBudgetExceeded, UnsafeCode
from .guards import MAX_ITEMS
from .runner import DEFAULT_TIME_LIMIT, ISOLATION_MODES, configure, evaluate, execute, step_budget

__all__ = ["SandboxError", "UnsafeCode", "EvaluationTimeout", "ResourceLimit", "StepBudgetExceeded",
           "CompiledCode", "compile_expression", "compile_script", "evaluate", "execute", "configure",
           "step_budget", "DEFAULT_TIME_LIMIT", "ISOLATION_MODES", "MAX_ITEMS", "JUEL_HELPERS",
           "COMPILE_CACHE_BYTES"]
