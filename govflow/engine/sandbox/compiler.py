"""Compiling diagram code: parse, refuse (:mod:`.checks`), instrument (:mod:`.instrument`)."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from .cache import bytes_cached
from .checks import JUEL_HELPERS, check
from .guards import BUILTINS
from .instrument import Instrumenter


@dataclass(frozen=True, slots=True)
class CompiledCode:
    """Checked and instrumented code.

    ``may_loop``: has loops, comprehensions or functions (arms the timer backstop);
    ``may_call``: calls something beyond the cheap helpers, or loops, so it may run at
    length, possibly inside one C call: it runs in a child process (:mod:`.pool`);
    ``helpers``: sandbox helper names the code uses (task data may not shadow them).
    """
    source: str
    code: Any
    may_loop: bool
    may_call: bool
    helpers: frozenset


#: Source bytes kept compiled, per cache (expressions, scripts, JUEL translations).
COMPILE_CACHE_BYTES = 8_000_000
# Calls that end quickly over any value the platform can hold: the JUEL helpers read one
# key or attribute or convert one value, len() reads a size. Code calling nothing else
# (``${order.amount > 100}``) stays in the calling process, where it costs microseconds.
_CHEAP_CALLS = JUEL_HELPERS | {"len"}


@bytes_cached(COMPILE_CACHE_BYTES)
def compile_expression(src: str) -> CompiledCode:
    """Compile one expression (surrounding whitespace ignored); cached by source.

    Raises SyntaxError for invalid Python and UnsafeCode for refused constructs.
    """
    return _compile(src.strip(), "eval")


@bytes_cached(COMPILE_CACHE_BYTES)
def compile_script(src: str) -> CompiledCode:
    """Compile a script (statements); cached by source. Raises like compile_expression."""
    return _compile(src, "exec")


def _compile(src: str, mode: str) -> CompiledCode:
    tree = ast.parse(src, filename="<string>", mode=mode)
    check(tree)
    may_call = any(isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in _CHEAP_CALLS)
                   for node in ast.walk(tree))
    instrumenter = Instrumenter()
    tree = ast.fix_missing_locations(instrumenter.visit(tree))
    helpers = frozenset(node.id for node in ast.walk(tree)
                        if isinstance(node, ast.Name) and node.id.startswith("_") and node.id in BUILTINS)
    # '<string>' is the file name SpiffWorkflow looks for to report a script's line.
    return CompiledCode(src, compile(tree, "<string>", mode), instrumenter.may_loop,
                        may_call or instrumenter.may_loop, helpers)
