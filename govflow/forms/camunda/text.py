"""The text components of a Camunda Form, drawn on staff pages.

Designers write Markdown; the page shows a safe subset of it. Everything is
escaped first, then only headings, bold, italics, list items and line breaks
become markup: no link, image or raw HTML from a form can reach the page.
"""
from __future__ import annotations

import re

from markupsafe import Markup, escape

_BOLD = re.compile(r"\*\*([^*\n]{1,500})\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*([^*\n]{1,500})\*(?![*\w])")


def render_text(text: str) -> Markup:
    blocks, items = [], []
    for line in str(text or "").splitlines():
        stripped = line.strip()
        if stripped.startswith(("- ", "* ")):
            items.append(f"<li>{_inline(stripped[2:])}</li>")
            continue
        if items:
            blocks.append("<ul>" + "".join(items) + "</ul>")
            items = []
        heading = re.match(r"^(#{1,6})\s+(.*)$", stripped)
        if heading:
            level = min(len(heading.group(1)) + 2, 6)  # the page's own h1/h2 stay above the form
            blocks.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif stripped:
            blocks.append(f"<p>{_inline(stripped)}</p>")
    if items:
        blocks.append("<ul>" + "".join(items) + "</ul>")
    return Markup("".join(blocks))


def _inline(text: str) -> str:
    html = str(escape(text))
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    return _ITALIC.sub(r"<em>\1</em>", html)
