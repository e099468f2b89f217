"""Element-level comparison of two BPMN versions: added, removed, changed.

Only the process model is compared, not the diagram's geometry (moving a
shape is not a change of the procedure). An element is "changed" when its
attributes or its content (conditions, extension elements, documentation)
differ; the details name each difference.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_NAMES = {"http://camunda.org/schema/1.0/bpmn": "camunda:", BPMN_NS: "", "http://www.w3.org/2001/XMLSchema-instance": "xsi:"}
#: Children that are elements of their own, compared separately, or pure wiring.
_SKIP_CHILDREN = {"incoming", "outgoing"}


@dataclass
class ElementChange:
    element_id: str
    kind: str
    name: str | None
    change: str  # added | removed | changed
    details: list[tuple[str, str | None, str | None]] = field(default_factory=list)


def compare(old_xml: str, new_xml: str) -> list[ElementChange]:
    old, new = _elements(old_xml), _elements(new_xml)
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
    order = {"added": 0, "removed": 1, "changed": 2}
    return sorted(out, key=lambda c: (order[c.change], c.element_id))


def _elements(xml: str) -> dict[str, etree._Element]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)
    root = etree.fromstring(xml.encode("utf-8"), parser)
    return {el.get("id"): el for el in root.iter(f"{{{BPMN_NS}}}*")
            if el.get("id") and _local(el.tag) != "definitions"}


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
            text = etree.tostring(child, method="c14n").decode()
            out[_local(child.tag)] = (out.get(_local(child.tag), "") + text).strip()
        return out
    pa, pb = parts(a), parts(b)
    for label in sorted(pa.keys() | pb.keys()):
        yield label, _shorten(pa.get(label)), _shorten(pb.get(label))


def _shorten(text: str | None) -> str | None:
    if text is None:
        return None
    text = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", re.sub(r"\s+", " ", text))
    return text if len(text) <= 300 else text[:297] + "…"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _qname(name: str) -> str:
    if name.startswith("{"):
        ns, local = name[1:].split("}", 1)
        return _NAMES.get(ns, ns + ":") + local
    return name
