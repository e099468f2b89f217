"""Instrumentation of checked code: deadline checks in loops and calls, size guards on
operators, guarded attribute reads. The ``_sb_`` helpers it calls live in :mod:`.guards`."""
from __future__ import annotations

import ast


def _call(helper: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(id=helper, ctx=ast.Load()), args=list(args), keywords=[])


_GUARDED_OPS = {ast.Pow: "_sb_pow", ast.Mult: "_sb_mul", ast.LShift: "_sb_lshift",
                ast.Add: "_sb_add", ast.Mod: "_sb_mod"}


class Instrumenter(ast.NodeTransformer):
    """Adds deadline checks and size guards. Runs after checks.check, so the ``_sb_`` names it
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
