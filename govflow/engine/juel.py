"""Translate Camunda 7 JUEL expressions into Python source for the sandbox.

Diagrams drawn in Camunda Modeler carry JUEL (``${amount > 1000 && urgent}``) in
gateway conditions, assignees, due dates and delegate expressions. Rather than
embedding a Java-flavoured interpreter, each expression is parsed once and emitted as
Python that :mod:`govflow.engine.sandbox` evaluates like any other condition.

Contract of the emitted Python:

* every binary operation is parenthesised, so JUEL precedence and left associativity
  survive (``a < b < c`` means ``(a < b) < c`` as in JUEL, not a Python chain);
* property and index access (``a.b``, ``a['b']``, ``a[0]``) go through
  ``_juel_get(base, key)``, which reads dict keys, list items or safe attributes and
  yields ``None`` for a missing key or a ``null`` base, as JUEL does;
* ``empty x`` becomes ``_juel_empty(x)``; composite text (``Case ${n} done``) becomes a
  concatenation using ``_juel_str(x)`` (``null`` → ``''``, booleans → ``true``/``false``).
  The three helpers are provided by the sandbox;
* nothing can call a method: method and function calls are refused, except the common
  Camunda idiom ``execution.getVariable('name')``, which becomes the variable ``name``.

Not replicated: JUEL's type coercions (``'5' == 5``, ``null + 1``, numeric ``+`` on
strings), Java's remainder sign for ``mod`` on negative numbers, ``instanceof``, lambda
and assignment syntax of EL 3.0.
"""
from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

__all__ = ["JuelError", "is_juel", "translate"]


class JuelError(ValueError):
    """A JUEL expression that cannot be translated.

    ``expression`` is the complete text as written and ``position`` the 0-based offset in
    it where the problem was found.
    """

    def __init__(self, message: str, expression: str, position: int):
        self.message = message
        self.expression = expression
        self.position = position
        super().__init__(f"Cannot translate JUEL expression {expression!r} at position {position}: {message}")


def is_juel(text: str) -> bool:
    """True when ``text`` holds a JUEL expression (``${…}`` or the deferred ``#{…}``)."""
    return "${" in text or "#{" in text


def translate(text: str) -> str:
    """Python source equivalent to the JUEL ``text``.

    A single ``${…}`` (surrounding whitespace allowed, as Camunda trims it) becomes that
    expression; anything mixing literal text and expressions becomes a string
    concatenation. Text without ``${``/``#{`` is returned unchanged: the caller treats
    it as Python. ``\\${`` in literal text stands for a literal ``${``.

    Raises :class:`JuelError` naming the expression and the position of the problem.
    """
    if not is_juel(text):
        return text
    parts: list[tuple[bool, str]] = []  # (is_expression, literal text or Python source)
    literal: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith(("\\${", "\\#{"), i):
            literal.append(text[i + 1:i + 3])
            i += 3
        elif text.startswith(("${", "#{"), i):
            if literal:
                parts.append((False, "".join(literal)))
                literal = []
            source, i = _Parser(text, i + 2).parse_embedded()
            parts.append((True, source))
        else:
            literal.append(text[i])
            i += 1
    if literal:
        parts.append((False, "".join(literal)))
    expressions = [source for is_expr, source in parts if is_expr]
    if len(expressions) == 1 and all(is_expr or not s.strip() for is_expr, s in parts):
        return expressions[0]
    pieces = [f"_juel_str({s})" if is_expr else repr(s) for is_expr, s in parts]
    return pieces[0] if len(pieces) == 1 else "(" + " + ".join(pieces) + ")"


# ---------------------------------------------------------------------------- tokens

_RESERVED = frozenset({"and", "or", "not", "eq", "ne", "lt", "gt", "le", "ge", "true", "false",
                       "null", "empty", "div", "mod", "instanceof"})
# Longest first, so that '<=' is not read as '<' followed by '='.
_SYMBOLS = ("&&", "||", "==", "!=", "<=", ">=", "<", ">", "!", "+", "-", "*", "/", "%",
            "?", ":", "(", ")", "[", "]", ".", ",", "}")
_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


@dataclass(frozen=True)
class _Token:
    kind: str   # 'num', 'str', 'ident', 'word' (reserved word), 'sym', 'eof'
    value: object
    pos: int


class _Lexer:
    """Reads tokens on demand from ``pos``, so that the parser stops at the closing '}'."""

    def __init__(self, text: str, pos: int):
        self.text = text
        self.pos = pos

    def error(self, message: str, pos: int) -> JuelError:
        return JuelError(message, self.text, pos)

    def next(self) -> _Token:
        text, n = self.text, len(self.text)
        while self.pos < n and text[self.pos].isspace():
            self.pos += 1
        start = self.pos
        if start >= n:
            return _Token("eof", None, start)
        ch = text[start]
        number = _NUMBER.match(text, start)
        if number and (ch.isdigit() or number.end() > start + 1):
            self.pos = number.end()
            raw = number.group()
            value = float(raw) if any(c in raw for c in ".eE") else int(raw)
            if value == float("inf"):  # repr() would emit the name 'inf'
                raise self.error("number out of range", start)
            return _Token("num", value, start)
        if ch in "'\"":
            return self._string(ch, start)
        if ch.isalpha() or ch == "_":
            end = start
            while end < n and (text[end].isalnum() or text[end] == "_"):
                end += 1
            if end < n and text[end] == "$":
                raise self.error("'$' is not allowed in identifiers", end)
            self.pos = end
            word = text[start:end]
            return _Token("word" if word in _RESERVED else "ident", word, start)
        for symbol in _SYMBOLS:
            if text.startswith(symbol, start):
                self.pos = start + len(symbol)
                return _Token("sym", symbol, start)
        hint = " (compare with '==' or 'eq')" if ch == "=" else ""
        raise self.error(f"unexpected character {ch!r}{hint}", start)

    def _string(self, quote: str, start: int) -> _Token:
        text, i, chars = self.text, start + 1, []
        while i < len(text):
            ch = text[i]
            if ch == "\\" and i + 1 < len(text) and text[i + 1] in "\\'\"":
                chars.append(text[i + 1])
                i += 2
            elif ch == quote:
                self.pos = i + 1
                return _Token("str", "".join(chars), start)
            else:
                chars.append(ch)
                i += 1
        raise self.error("unterminated string literal", start)


# ---------------------------------------------------------------------------- parser

# Binary operator levels, loosest first; JUEL spelling -> Python spelling.
_LEVELS = (
    {"||": "or", "or": "or"},
    {"&&": "and", "and": "and"},
    {"==": "==", "!=": "!=", "eq": "==", "ne": "!="},
    {"<": "<", ">": ">", "<=": "<=", ">=": ">=", "lt": "<", "gt": ">", "le": "<=", "ge": ">="},
    {"+": "+", "-": "-"},
    {"*": "*", "/": "/", "div": "/", "%": "%", "mod": "%"},
)
_LITERAL_WORDS = {"true": "True", "false": "False", "null": "None"}


class _Parser:
    """Recursive descent over one ``${…}`` body, emitting Python source."""

    def __init__(self, text: str, pos: int):
        self.text = text
        self.lexer = _Lexer(text, pos)
        self.token = self.lexer.next()

    def error(self, message: str, token: _Token | None = None) -> JuelError:
        return JuelError(message, self.text, (token or self.token).pos)

    def advance(self) -> _Token:
        token, self.token = self.token, self.lexer.next()
        return token

    def at(self, *values: str) -> bool:
        return self.token.kind in ("sym", "word") and self.token.value in values

    def expect(self, value: str) -> _Token:
        if not self.at(value):
            raise self.error(f"expected '{value}' but found {self.describe(self.token)}")
        return self.advance()

    @staticmethod
    def describe(token: _Token) -> str:
        return "the end of the text" if token.kind == "eof" else repr(str(token.value))

    def parse_embedded(self) -> tuple[str, int]:
        """Parse up to the closing '}'; return the Python source and the offset after it."""
        if self.at("}"):
            raise self.error("empty expression")
        source = self.expression()
        if self.token.kind == "eof":
            raise self.error("unterminated expression: missing '}'")
        if self.at("instanceof"):
            raise self.error("'instanceof' is not supported")
        if not self.at("}"):
            raise self.error(f"expected '}}' but found {self.describe(self.token)}")
        # Not advanced past: what follows the '}' is literal text, not JUEL tokens.
        return source, self.token.pos + 1

    def expression(self) -> str:
        condition = self.binary(0)
        if not self.at("?"):
            return condition
        self.advance()
        then = self.expression()
        self.expect(":")
        otherwise = self.expression()  # right associative: a ? b : c ? d : e
        return f"({then} if {condition} else {otherwise})"

    def binary(self, level: int) -> str:
        if level == len(_LEVELS):
            return self.unary()
        operators = _LEVELS[level]
        left = self.binary(level + 1)
        while self.token.kind in ("sym", "word") and self.token.value in operators:
            python = operators[str(self.advance().value)]
            right = self.binary(level + 1)
            left = f"({left} {python} {right})"
        return left

    def unary(self) -> str:
        if self.at("-"):
            self.advance()
            return f"(-{self.unary()})"
        if self.at("!", "not"):
            self.advance()
            return f"(not {self.unary()})"
        if self.at("empty"):
            self.advance()
            return f"_juel_empty({self.unary()})"
        return self.postfix()

    def postfix(self) -> str:
        start = self.token
        source = self.primary()
        while True:
            if self.at("."):
                self.advance()
                name = self.token
                if name.kind not in ("ident", "word"):
                    raise self.error(f"expected a property name after '.' but found {self.describe(name)}")
                self.advance()
                if self.at("("):
                    if start.value == "execution" and source == "execution" and name.value == "getVariable":
                        source = self.get_variable()
                        continue
                    raise self.error(f"method calls are not supported ('{name.value}(…)'); "
                                     "refer to the value itself, e.g. ${order.amount}", name)
                source = f"_juel_get({source}, {name.value!r})"
            elif self.at("["):
                self.advance()
                key = self.expression()
                self.expect("]")
                source = f"_juel_get({source}, {key})"
            elif self.at("("):
                raise self.error("function calls are not supported")
            else:
                return source

    def get_variable(self) -> str:
        """``execution.getVariable('name')`` → ``name``; the argument must be a literal name."""
        self.expect("(")
        argument = self.token
        if argument.kind != "str":
            raise self.error("execution.getVariable() needs a quoted variable name")
        self.advance()
        self.expect(")")
        return self.identifier(str(argument.value), argument)

    def identifier(self, name: str, token: _Token) -> str:
        if not name.isidentifier() or keyword.iskeyword(name):
            raise self.error(f"{name!r} cannot be used as a variable name in Python", token)
        if name.startswith("_"):
            raise self.error(f"variable names beginning with '_' are reserved ({name!r})", token)
        return name

    def primary(self) -> str:
        token = self.token
        if token.kind == "num":
            self.advance()
            return repr(token.value)
        if token.kind == "str":
            self.advance()
            return repr(token.value)
        if token.kind == "word" and token.value in _LITERAL_WORDS:
            self.advance()
            return _LITERAL_WORDS[str(token.value)]
        if token.kind == "ident":
            self.advance()
            return self.identifier(str(token.value), token)
        if self.at("("):
            self.advance()
            inner = self.expression()
            self.expect(")")
            return inner
        if token.kind == "word":
            raise self.error(f"'{token.value}' is not supported here")
        if token.kind == "eof":
            raise self.error("unterminated expression: missing '}'")
        raise self.error(f"unexpected {self.describe(token)}")
