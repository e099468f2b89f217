"""The FEEL a Camunda Form may use in ``conditional.hide``: a small, closed subset.

Conditions are parsed here, never handed to a general evaluator: names of form
fields, string/number/boolean/null literals, ``= != < <= > >=``, ``and``, ``or``,
``not(…)`` and parentheses. Anything else is refused when the form is deployed
(:func:`parse` raises :class:`ConditionError`), so what the server evaluates is
exactly what the page's script (static/js/form_conditions.js) evaluates.
The text is bounded, so neither parsing nor evaluation can run long.
"""
from __future__ import annotations

import re

MAX_LENGTH = 500
_TOKEN = re.compile(r'\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<str>"[^"\\]*")|(?P<op><=|>=|!=|=|<|>|\(|\))'
                    r'|(?P<name>[A-Za-z_][A-Za-z0-9_]*))')


class ConditionError(ValueError):
    """The condition is outside the subset GovFlow evaluates."""


def parse(text: str):
    """The condition as a small tree of tuples; raises ConditionError."""
    text = (text or "").strip()
    if text.startswith("="):
        text = text[1:]
    if not text or len(text) > MAX_LENGTH:
        raise ConditionError("empty or longer than %d characters" % MAX_LENGTH)
    tokens = _tokens(text)
    tree, rest = _or(tokens)
    if rest:
        raise ConditionError(f"unexpected '{rest[0][1]}'")
    return tree


def names(tree) -> set[str]:
    if tree[0] == "name":
        return {tree[1]}
    return set().union(*(names(t) for t in tree[1:] if isinstance(t, tuple)))


def evaluate(tree, data: dict) -> bool:
    """FEEL truth: a comparison with null or with values of different types is false."""
    return _value(tree, data) is True


def _tokens(text):
    out, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            if text[pos:].strip() == "":
                break
            raise ConditionError(f"cannot read '{text[pos:pos + 20]}'")
        kind = match.lastgroup
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def _or(tokens):
    left, tokens = _and(tokens)
    while tokens and tokens[0] == ("name", "or"):
        right, tokens = _and(tokens[1:])
        left = ("or", left, right)
    return left, tokens


def _and(tokens):
    left, tokens = _comparison(tokens)
    while tokens and tokens[0] == ("name", "and"):
        right, tokens = _comparison(tokens[1:])
        left = ("and", left, right)
    return left, tokens


def _comparison(tokens):
    left, tokens = _atom(tokens)
    if tokens and tokens[0][0] == "op" and tokens[0][1] not in "()":
        op = tokens[0][1]
        right, tokens = _atom(tokens[1:])
        return ("cmp", op, left, right), tokens
    return left, tokens


def _atom(tokens):
    if not tokens:
        raise ConditionError("the condition ends too early")
    (kind, text), rest = tokens[0], tokens[1:]
    if (kind, text) == ("op", "("):
        inner, rest = _or(rest)
        return inner, _expect(rest, ")")
    if kind == "num":
        return ("lit", float(text)), rest
    if kind == "str":
        return ("lit", text[1:-1]), rest
    if kind == "name":
        if text in ("true", "false"):
            return ("lit", text == "true"), rest
        if text == "null":
            return ("lit", None), rest
        if text == "not":
            inner, rest = _atom(_expect_open(rest))  # the parenthesised atom takes its ")"
            return ("not", inner), rest
        if text in ("and", "or"):
            raise ConditionError(f"'{text}' needs something before it")
        return ("name", text), rest
    raise ConditionError(f"unexpected '{text}'")


def _expect_open(tokens):
    if not tokens or tokens[0] != ("op", "("):
        raise ConditionError("not needs parentheses: not(…)")
    return tokens


def _expect(tokens, closing):
    if not tokens or tokens[0] != ("op", closing):
        raise ConditionError(f"'{closing}' missing")
    return tokens[1:]


def _value(tree, data):
    kind = tree[0]
    if kind == "lit":
        return tree[1]
    if kind == "name":
        value = data.get(tree[1])
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if kind == "not":
        inner = _value(tree[1], data)
        return (not inner) if isinstance(inner, bool) else None
    if kind in ("and", "or"):
        left, right = _value(tree[1], data), _value(tree[2], data)
        if kind == "and":
            return False if False in (left, right) else (True if left is True and right is True else None)
        return True if True in (left, right) else (False if left is False and right is False else None)
    op, left, right = tree[1], _value(tree[2], data), _value(tree[3], data)
    if op in ("=", "!="):
        same = left == right and (type(left) is type(right) or None in (left, right) and left is right)
        return same if op == "=" else not same
    if left is None or right is None or type(left) is not type(right) or isinstance(left, bool):
        return None
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
