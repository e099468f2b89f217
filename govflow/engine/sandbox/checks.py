"""Compile-time policy: the constructs, names and attributes refused before code runs."""
from __future__ import annotations

import ast

from .errors import UnsafeCode

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


def check_attribute_name(name: str, lineno: int | None = None) -> None:
    """Raise UnsafeCode unless ``name`` may be read as an attribute."""
    if name.startswith(_FORBIDDEN_PREFIXES) or name in _FORBIDDEN_ATTRIBUTES:
        raise UnsafeCode(f"access to attribute {name!r} is not allowed", lineno)


def _check_name(name: str, lineno: int | None, loading: bool = False) -> None:
    if name.startswith("_") and name != "_" and not (loading and name in JUEL_HELPERS):
        raise UnsafeCode(f"name {name!r} is not allowed (names beginning with '_' are reserved)", lineno)


def check(tree: ast.AST) -> None:
    """Raise UnsafeCode, with the line, at the first refused node of ``tree``."""
    for node in ast.walk(tree):
        line = getattr(node, "lineno", None)
        if type(node) in _FORBIDDEN_NODES:
            raise UnsafeCode(f"{_FORBIDDEN_NODES[type(node)]} are not allowed", line)
        if isinstance(node, ast.Name):
            _check_name(node.id, line, isinstance(node.ctx, ast.Load))
        elif isinstance(node, ast.Attribute):
            check_attribute_name(node.attr, line)
            if not isinstance(node.ctx, ast.Load):
                raise UnsafeCode("assigning or deleting attributes is not allowed; use x['key'] = …", line)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FORBIDDEN_CALLS:
            raise UnsafeCode(f"calling {node.func.id}() is not allowed", line)
        elif isinstance(node, (ast.arg, ast.FunctionDef, ast.ExceptHandler)):
            name = node.arg if isinstance(node, ast.arg) else node.name
            if name:
                _check_name(name, line)
