"""No template carries what the Content-Security-Policy (script-src 'self') would
block: inline <script> blocks, on…= event handlers, javascript: URLs. Static so that
a page added by anyone fails here, with its file and line, before a browser test."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "govflow" / "templates"
STATIC = Path(__file__).resolve().parents[2] / "govflow" / "static"
FORBIDDEN = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "event handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S),
    "javascript: URL": re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I),
}


def test_templates_have_no_inline_script():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert templates
    found = []
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for what, pattern in FORBIDDEN.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line}: {what}: {match.group(0)[:60]}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("pattern", [r"\beval\s*\(", r"\bnew\s+Function\s*\(", r"setTimeout\s*\(\s*['\"]"])
def test_own_scripts_need_no_unsafe_eval(pattern):
    own = [p for p in STATIC.glob("*.js")]  # dist/ holds third-party bundles, checked in the browser
    offenders = [p.name for p in own if re.search(pattern, p.read_text(encoding="utf-8"))]
    assert not offenders, offenders
