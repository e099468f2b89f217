"""Element-level comparison of two BPMN versions: added, removed, changed, and moved.

The process model is compared in a canonical form, so that what only the
serialization changed is no change: attribute order, indentation and other
whitespace between and inside elements, namespace prefixes (``bpmn:task`` and a
default-namespace ``task``, ``xsi:type="bpmn:tFormalExpression"``). An element is
"changed" when its attributes or its content (conditions, extension elements,
documentation) differ; the details name each difference. The diagram's geometry
(BPMN DI) is not the procedure: elements whose shape or edge moved are listed
apart, as "layout" (布局).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_NAMES = {"http://camunda.org/schema/1.0/bpmn": "camunda:", BPMN_NS: "bpmn:", "http://www.w3.org/2001/XMLSchema-instance": "xsi:",
          BPMNDI_NS: "bpmndi:", "http://www.omg.org/spec/DD/20100524/DC": "dc:", "http://www.omg.org/spec/DD/20100524/DI": "di:"}
#: Children that are elements of their own, compared separately, or pure wiring.
_SKIP_CHILDREN = {"incoming", "outgoing"}


@dataclass
class ElementChange:
    element_id: str
    kind: str
    name: str | None
    change: str  # added | removed | changed | layout
    details: list[tuple[str, str | None, str | None]] = field(default_factory=list)


def compare(old_xml: str, new_xml: str) -> list[ElementChange]:
    """The model's changes (added, removed, changed), then the elements that only moved
    on the diagram (layout)."""
    old_root, new_root = _parse(old_xml), _parse(new_xml)
    old, new = _elements(old_root), _elements(new_root)
    out = []
    for element_id, el in new.items():
        if element_id not in old:
            out.append(ElementChange(element_id, _local(el.tag), el.get("name"), "added"))
    for element_id, el in old.items():
        if element_id not in new:
            out.append(ElementChange(element_id, _local(el.tag), el.get("name"), "removed"))
    for element_id in old.keys() & new.keys():
        details = _differences(old[element_id], new[element_id])
        if details:
            el = new[element_id]
            out.append(ElementChange(element_id, _local(el.tag), el.get("name"), "changed", details))
    modelled = {c.element_id for c in out}
    old_layout, new_layout = _layout(old_root), _layout(new_root)
    for element_id in sorted(old_layout.keys() & new_layout.keys() & new.keys() - modelled):
        if old_layout[element_id] != new_layout[element_id]:
            el = new[element_id]
            out.append(ElementChange(element_id, _local(el.tag), el.get("name"), "layout"))
    order = {"added": 0, "removed": 1, "changed": 2, "layout": 3}
    return sorted(out, key=lambda c: (order[c.change], c.element_id))


def _parse(xml: str):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)
    return etree.fromstring(xml.encode("utf-8"), parser)


def _elements(root) -> dict[str, etree._Element]:
    return {el.get("id"): el for el in root.iter(f"{{{BPMN_NS}}}*")
            if el.get("id") and _local(el.tag) != "definitions"}


def _layout(root) -> dict[str, str]:
    """bpmnElement → the canonical form of its shape or edge (bounds, waypoints, label)."""
    out: dict[str, str] = {}
    for el in root.iter(f"{{{BPMNDI_NS}}}BPMNShape", f"{{{BPMNDI_NS}}}BPMNEdge"):
        if el.get("bpmnElement"):
            out[el.get("bpmnElement")] = out.get(el.get("bpmnElement"), "") + _canonical(el, ignore=("id",))
    return out


def _differences(a, b) -> list[tuple[str, str | None, str | None]]:
    details: list[tuple[str, str | None, str | None]] = []
    if a.tag != b.tag:
        details.append(("type", _local(a.tag), _local(b.tag)))
    for name in sorted(set(a.attrib) | set(b.attrib), key=str):
        if a.get(name) != b.get(name):
            details.append((_qname(name), a.get(name), b.get(name)))
    for label, before, after in _content(a, b):
        if before != after:
            details.append((label, before, after))
    return details


def _content(a, b):
    """Non-element children (conditions, documentation, extensionElements) as canonical text."""
    def parts(el) -> dict[str, str]:
        out: dict[str, str] = {}
        for child in el:
            if not isinstance(child.tag, str) or _local(child.tag) in _SKIP_CHILDREN:
                continue
            if child.get("id") and child.tag.startswith(f"{{{BPMN_NS}}}"):
                continue  # an element of its own, compared by its id
            out[_local(child.tag)] = out.get(_local(child.tag), "") + _canonical(child)
        return out
    pa, pb = parts(a), parts(b)
    for label in sorted(pa.keys() | pb.keys()):
        yield label, _shorten(pa.get(label)), _shorten(pb.get(label))


def _canonical(el, ignore=()) -> str:
    """``el`` as text that only the model changes: names with the platform's prefixes
    whatever the file used, attributes sorted, whitespace runs as one space and none
    between elements."""
    attrs = []
    for name in sorted(el.attrib, key=_qname):
        if name in ignore:
            continue
        value = el.get(name)
        if name == XSI_TYPE:  # a QName value: its prefix (or none) is the file's too
            prefix, _, local = value.rpartition(":")
            namespace = el.nsmap.get(prefix or None)
            value = _qname(f"{{{namespace}}}{local}") if namespace else value
        attrs.append(f' {_qname(name)}="{value}"')
    text = " ".join((el.text or "").split())
    inner = text + "".join(_canonical(child, ignore) for child in el if isinstance(child.tag, str))
    tag = _qname(el.tag)
    return f"<{tag}{''.join(attrs)}>{inner}</{tag}>" if inner else f"<{tag}{''.join(attrs)}/>"


def _shorten(text: str | None) -> str | None:
    if text is None:
        return None
    return text if len(text) <= 300 else text[:297] + "…"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _qname(name: str) -> str:
    if name.startswith("{"):
        ns, local = name[1:].split("}", 1)
        return _NAMES.get(ns, ns + ":") + local
    return name
