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

* Where it runs: code that only applies operators to data (plus the JUEL helpers and
  ``len``) runs in the calling process, as every operator is size-checked. Code that calls
  anything else or loops runs in a sandbox child process (:mod:`.pool`, :mod:`.child`):
  started with ``python -I``, importing only this package, with no inherited descriptors
  or environment; the kernel caps its address space (256 MB above its start-up size,
  MemoryError → :class:`ResourceLimit`, the child is replaced) and its CPU time; the
  caller kills it 0.5 s after the time limit (:class:`EvaluationTimeout`). So one C call
  over a huge value (``round(1, -10**8)``, ``(0).to_bytes(3*10**9, 'big')``) ends in
  time and leaves the caller's memory as it was. Results come back as pickles of plain
  values only (a whitelist), at most 1,000,000 objects and 16 M characters counted as
  JSON would write them. ``SANDBOX_ISOLATION=inline`` runs everything in process.
* Steps: :func:`step_budget` gives all evaluations of one step a total time
  (``STEP_TIME_BUDGET``); each evaluation's limit is cut to what is left, and then
  :class:`StepBudgetExceeded` is raised.
* Caches: compiled code is kept in byte-bounded LRU caches (:mod:`.cache`).

Task data may not use the helpers' ``_`` names; only plain data (what task data is)
can be handed to a child (:class:`UnsafeCode` otherwise).
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
