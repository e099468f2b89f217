"""Parsing uploaded XML without letting it hurt the server.

Deployments come from browsers and integrators, so a file may be hostile: external
entities that read local files or call the network (XXE), entity expansion bombs
("billion laughs"), absurd nesting or element counts that exhaust memory. The parser
never resolves entities, loads DTDs or touches the network, and every DOCTYPE is
refused outright: BPMN and DMN have no use for one.
"""
from __future__ import annotations

from lxml import etree

from .model import ERROR, LintContext, LintFailed, Problem, is_bpmn, is_dmn, local

_WHY_NO_DOCTYPE = ("DOCTYPE and ENTITY declarations are refused because they enable entity "
                   "expansion and external entity attacks, and BPMN and DMN never need them")
# Fed in small chunks so the depth and element limits stop a hostile file after at
# most one chunk, instead of after libxml2 has built the whole tree.
_CHUNK = 16 * 1024


def parse_safely(name: str, data: bytes, ctx: LintContext | None = None) -> etree._ElementTree:
    """Parse one uploaded BPMN or DMN file.

    Returns the tree (elements keep ``sourceline``). Raises :class:`LintFailed` with a
    single problem when the file is too large (checked before parsing), declares a
    DOCTYPE or entities, nests deeper than ``ctx.max_depth``, has more than
    ``ctx.max_elements`` elements, is not well-formed (line and parser message), or its
    root is not a BPMN or DMN ``definitions``.
    """
    ctx = ctx or LintContext()
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > ctx.max_bytes:
        _fail(name, "too-large", f"{name} is {len(data):,} bytes; the limit is {ctx.max_bytes:,} bytes")
    if _prolog_declares_doctype(data):
        # Checked on the bytes first: libxml2 may stop on an entity reference in the
        # root's attributes before the parser reports the DOCTYPE it has read.
        _fail(name, "doctype-forbidden", f"{name} declares a DOCTYPE; {_WHY_NO_DOCTYPE}", 1)
    parser = etree.XMLPullParser(
        events=("start", "end"), resolve_entities=False, no_network=True, load_dtd=False,
        huge_tree=False, remove_comments=False)
    limits = _Limits(name, ctx)
    try:
        for offset in range(0, len(data), _CHUNK):
            parser.feed(data[offset:offset + _CHUNK])
            limits.consume(parser.read_events())
        root = parser.close()
        limits.consume(parser.read_events())
    except etree.XMLSyntaxError as exc:
        _syntax_failure(name, exc)
    tree = root.getroottree()
    _refuse_doctype(name, tree)
    if not (local(root) == "definitions" and (is_bpmn(root) or is_dmn(root))):
        _fail(name, "wrong-root",
              f"{name} has root element <{root.tag}>, not a BPMN or DMN <definitions>", root.sourceline)
    return tree


class _Limits:
    """Counts elements and depth from parser events as the file streams in."""

    def __init__(self, name: str, ctx: LintContext):
        self.name, self.ctx = name, ctx
        self.depth = self.count = 0

    def consume(self, events) -> None:
        for event, el in events:
            if event == "end":
                self.depth -= 1
                continue
            self.depth += 1
            self.count += 1
            if self.count == 1:
                # The prolog is complete once the root starts: refuse a DOCTYPE before
                # anything else of the file is read.
                _refuse_doctype(self.name, el.getroottree())
            if self.depth > self.ctx.max_depth:
                _fail(self.name, "too-deep",
                      f"{self.name} nests elements deeper than {self.ctx.max_depth} levels", el.sourceline)
            if self.count > self.ctx.max_elements:
                _fail(self.name, "too-many-elements",
                      f"{self.name} has more than {self.ctx.max_elements:,} elements", el.sourceline)


def _refuse_doctype(name: str, tree) -> None:
    info = tree.docinfo
    if info.doctype or info.internalDTD is not None or info.system_url or info.public_id:
        _fail(name, "doctype-forbidden", f"{name} declares a DOCTYPE; {_WHY_NO_DOCTYPE}", 1)


def _prolog_declares_doctype(data: bytes) -> bool:
    """Whether the prolog (before the root element) holds a DOCTYPE or ENTITY declaration.

    A linear scan over whitespace, the XML declaration, processing instructions and
    comments. UTF-8/ASCII and UTF-16 are read; any other encoding is left to the
    parser-level checks, which refuse the file as well.
    """
    text = data
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        text = data.decode("utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else
                           ("utf-16-le" if data[:1] == b"<" else "utf-16-be"), errors="replace").encode()
    position = 3 if text.startswith(b"\xef\xbb\xbf") else 0
    while position < len(text):
        if text[position:position + 1].isspace():
            position += 1
        elif text.startswith(b"<?", position) or text.startswith(b"<!--", position):
            close = b"?>" if text.startswith(b"<?", position) else b"-->"
            end = text.find(close, position + 2)
            if end < 0:
                return False
            position = end + len(close)
        else:
            return text.startswith((b"<!DOCTYPE", b"<!ENTITY"), position)
    return False


def _syntax_failure(name: str, exc: etree.XMLSyntaxError) -> None:
    message = exc.msg or str(exc)
    line = exc.lineno or None
    if "Excessive depth" in message:
        # libxml2's own hard limit (256) fired inside one chunk, before our counter ran.
        _fail(name, "too-deep", f"{name} nests elements too deeply: {message}", line)
    if "entity" in message.lower() and ("loop" in message.lower() or "amplification" in message.lower()):
        _fail(name, "doctype-forbidden", f"{name} uses entity expansion: {message}", line)
    _fail(name, "malformed-xml", f"{name} is not well-formed XML: {message}", line)


def _fail(name: str, code: str, message: str, line: int | None = None) -> None:
    raise LintFailed([Problem(ERROR, code, message, name, None, line)])
