"""FEEL unary tests that SpiffWorkflow's DMN engine reads differently.

A decision-table input cell ``"road","greening"`` means "road or greening" in FEEL.
SpiffWorkflow compares the input with the whole text as one Python expression —
a tuple — so the rule never matches. Before parsing, such cells are rewritten to
the engine's ``?`` notation: ``? == "road" or ? == "greening"``.
"""
from __future__ import annotations

_COMPARISONS = ("<=", ">=", "!=", "==", "<", ">")


def split_top_level(text: str) -> list[str]:
    """Split on commas outside quotes and brackets."""
    current: list[str]
    parts, depth, quote, current = [], 0, None, []
    for char in text:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return parts


def rewrite_unary_tests(text: str) -> str:
    """``"a","b"`` → ``? == "a" or ? == "b"``; single tests are left alone."""
    parts = split_top_level(text)
    if len(parts) < 2 or any(not p for p in parts) or "?" in text:
        return text
    tests = []
    for part in parts:
        operator = next((op for op in _COMPARISONS if part.startswith(op)), None)
        tests.append(f"(? {part})" if operator else f"(? == {part})")
    return " or ".join(tests)


def rewrite_decision_tables(root) -> None:
    """Apply :func:`rewrite_unary_tests` to every input entry of a DMN document."""
    for entry in root.iter():
        if isinstance(entry.tag, str) and entry.tag.endswith("}inputEntry"):
            for text in entry:
                if isinstance(text.tag, str) and text.tag.endswith("}text") and text.text:
                    text.text = rewrite_unary_tests(text.text.strip())
