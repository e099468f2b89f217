"""The Chinese catalogue covers every text of the pages, and the compiled .mo is current."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "govflow" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None}


def _po():
    with open(CATALOGUE / "messages.po", "rb") as f:
        return read_po(f)


def test_every_page_text_has_a_chinese_translation():
    catalogue = _po()
    found = set()
    for sub, method in (("govflow/web", "python"), ("govflow/templates", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        for _file, _line, message, _comments, _context in extract_from_dir(
                ROOT / sub, [(pattern, method)], keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    missing = sorted(m for m in found if m and not (catalogue.get(m) and catalogue.get(m).string))
    assert missing == [], "run pybabel update and translate: " + ", ".join(missing)


def test_the_compiled_catalogue_is_current():
    with open(CATALOGUE / "messages.mo", "rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    source = {m.id: m.string for m in _po() if m.id and not m.fuzzy}
    assert compiled == source, "run: pybabel compile -d govflow/translations"
