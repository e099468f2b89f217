"""Files in, files out: the tree is laid out, but the bytes are spliced.

Serializing the whole lxml tree would re-quote attributes, turn ``&#34;`` into
``&quot;``, drop the space in `` />`` and so on: noise in every diff. Instead the
original text is kept and only the elements the layout removed or added are cut
out of it or rendered into it, so everything else stays byte-identical.
"""
from __future__ import annotations

import re
from xml.sax.saxutils import escape

from lxml import etree

from .di import indent_unit

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_TOKEN = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!DOCTYPE(?:[^\[>]|\[.*?\])*>"
    r"|<(/?)([^\s/>!?]+)((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>", re.S)
_ATTR_ESCAPES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def parse(data: bytes):
    """Parse like the engine does, but keep CDATA and comments as they are."""
    parser = etree.XMLParser(strip_cdata=False, resolve_entities=False, remove_blank_text=False,
                             huge_tree=True)
    return etree.fromstring(data, parser)


def node_spans(text: str) -> list[tuple[str, int, int]]:
    """(tag, or "#comment"/"#pi", start, end) of every node from the root element on, in order."""
    spans, stack = [], []
    for match in _TOKEN.finditer(text):
        closing, tag, _, empty = match.groups()
        if tag is None:
            if spans and match.group(0).startswith(("<!--", "<?")):
                spans.append(("#comment" if match.group(0)[1] == "!" else "#pi", match.start(), match.end()))
            continue
        if closing:
            index = stack.pop()
            spans[index] = (spans[index][0], spans[index][1], match.end())
        else:
            spans.append((tag, match.start(), match.end()))
            if not empty:
                stack.append(len(spans) - 1)
    return spans


def _matches(span_tag: str, node) -> bool:
    if isinstance(node.tag, str):
        return span_tag.rpartition(":")[2] == etree.QName(node).localname
    return span_tag == ("#comment" if node.tag is etree.Comment else "#pi")


def _qname(el, name: str) -> str:
    ns, _, local = name[1:].partition("}") if name.startswith("{") else ("", "", name)
    if not ns:
        return name
    prefix = next((p for p, uri in el.nsmap.items() if uri == ns and p), None)
    return f"{prefix}:{local}" if prefix else local


def render(el, indent: str, unit: str, newline: str) -> str:
    """``el`` as text, children one per line, Camunda Modeler style (`` />``)."""
    parent = el.getparent()
    inherited = parent.nsmap if parent is not None else {}
    attrs = [(f"xmlns:{p}" if p else "xmlns", uri) for p, uri in el.nsmap.items() if inherited.get(p) != uri]
    attrs += [(_qname(el, k), v) for k, v in el.attrib.items()]
    head = "<" + _qname(el, el.tag) + "".join(f' {k}="{escape(v, _ATTR_ESCAPES)}"' for k, v in attrs)
    children = [c for c in el if isinstance(c.tag, str)]
    if not children:
        return head + " />"
    inner = "".join(newline + indent + unit + render(c, indent + unit, unit, newline) for c in children)
    return f"{head}>{inner}{newline}{indent}</{_qname(el, el.tag)}>"


def _leading_ws(text: str, pos: int) -> int:
    """Start of the run of whitespace that ends at ``pos``."""
    start = pos
    while start > 0 and text[start - 1] in " \t\r\n":
        start -= 1
    return start


def splice(text: str, originals: list, root, unit: str) -> str | None:
    """Apply to ``text`` what changed between ``originals`` (the nodes of ``root`` before
    the layout, in document order) and ``root`` now.

    Returns None when the text cannot be matched with the tree (then the caller
    serializes the tree instead).
    """
    try:
        spans = node_spans(text)
    except IndexError:                           # unbalanced tags: the tokenizer lost its way
        return None
    if len(spans) != len(originals) or not all(_matches(t, n) for (t, _, _), n in zip(spans, originals)):
        return None
    where = {id(el): span for el, span in zip(originals, spans)}
    alive = {id(el) for el in root.iter()}
    newline = "\r\n" if "\r\n" in text else "\n"
    edits = []                                   # (start, end, replacement)
    for el in originals:
        parent = el.getparent()
        if id(el) not in alive and (parent is None or id(parent) in alive):
            _, start, end = where[id(el)]
            edits.append((_leading_ws(text, start), end, ""))
    for el in root.iter():
        parent = el.getparent()
        if id(el) in where or parent is None or id(parent) not in where or not isinstance(el.tag, str):
            continue
        after = next((s for s in el.itersiblings() if id(s) in where), None)
        before = next((s for s in el.itersiblings(preceding=True) if id(s) in where), None)
        if after is None and before is None:
            return None
        ref = after if after is not None else before
        _, start, end = where[id(ref)]
        ws = text[_leading_ws(text, start):start]
        indent = ws.rsplit("\n", 1)[-1]
        body = render(el, indent, unit, newline)
        edits.append((start, start, body + ws) if after is not None else (end, end, ws + body))
    out, pos = [], 0
    # Several new elements may share an insertion point; keep them in tree order.
    for start, end, repl in sorted(edits, key=lambda e: (e[0], e[1] != e[0])):
        out.append(text[pos:start] + repl)
        pos = max(pos, end)
    out.append(text[pos:])
    return "".join(out)


def rewrite(data: bytes, layout) -> bytes:
    """Run ``layout`` on the document in ``data``; return the new file content, UTF-8."""
    root = parse(data)
    encoding = (root.getroottree().docinfo.encoding or "UTF-8").upper().replace("_", "-")
    bom = data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig" if bom else encoding)
    originals = [node for node in root.iter() if node.tag is not etree.Entity]
    unit = indent_unit(root)
    layout(root)
    out = splice(text, originals, root, unit)
    if out is None:
        out = etree.tostring(root.getroottree(), encoding="unicode")
    declaration = re.match(r"<\?xml[^>]*\?>", out)
    if declaration is None:
        out = DECLARATION + ("\r\n" if "\r\n" in out else "\n") + out
    elif encoding not in ("UTF-8", "UTF8"):
        out = DECLARATION + out[declaration.end():]
    return ("\ufeff" if bom else "").encode("utf-8") + out.encode("utf-8")
