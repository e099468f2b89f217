"""The ``<bpmn:incoming>``/``<bpmn:outgoing>`` lists Camunda Modeler writes.

Every flow node lists the sequence flows that enter and leave it, in document order,
right after its documentation and extension elements (where the BPMN schema puts
them). Engines ignore the lists; Modeler, bpmnlint (``no-implicit-start``,
``no-disconnected``) and other tools read them, so a file without them does not look
like one Modeler saved. Diagrams deployed over REST may lack them; the designer's
download writes them (:func:`with_flow_lists`), and ``scripts/modeler_flows.py``
keeps ``processes/*.bpmn`` in step.
"""
from __future__ import annotations

from lxml import etree

from ..engine import parse_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_SCOPES = {"process", "subProcess", "transaction", "adHocSubProcess"}
_LEADING = {f"{{{BPMN}}}documentation", f"{{{BPMN}}}extensionElements"}
_LISTS = (f"{{{BPMN}}}incoming", f"{{{BPMN}}}outgoing")


def with_flow_lists(xml: str) -> str:
    """``xml`` with every flow node's lists as Modeler writes them (unchanged text when
    they already are)."""
    root = parse_xml(xml.encode("utf-8"))
    if not add_flow_lists(root):
        return xml
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="unicode") + "\n"


def add_flow_lists(root) -> bool:
    """Rewrite the lists of every flow node under ``root``; returns whether anything changed."""
    changed = False
    for scope in root.iter(*(f"{{{BPMN}}}{s}" for s in _SCOPES)):
        flows = scope.findall(f"{{{BPMN}}}sequenceFlow")
        for node in scope:
            if not isinstance(node.tag, str) or node.tag == f"{{{BPMN}}}sequenceFlow" or not node.get("id"):
                continue
            if etree.QName(node).localname in ("laneSet", "textAnnotation", "association", "dataObject",
                                               "dataObjectReference", "dataStoreReference", "group"):
                continue
            incoming = [f.get("id") for f in flows if f.get("targetRef") == node.get("id")]
            outgoing = [f.get("id") for f in flows if f.get("sourceRef") == node.get("id")]
            changed |= _rewrite(node, incoming, outgoing)
    return changed


def _rewrite(node, incoming: list[str], outgoing: list[str]) -> bool:
    current = [(etree.QName(c).localname, c.text) for c in node if c.tag in _LISTS]
    wanted = [("incoming", i) for i in incoming] + [("outgoing", o) for o in outgoing]
    if current == wanted:
        return False
    for child in [c for c in node if c.tag in _LISTS]:
        _remove_child(child)
    indent = _indent_of(node)
    inner = indent + "  "
    if len(node) == 0:
        node.text = "\n" + inner
    position = sum(1 for c in node if c.tag in _LEADING)
    for offset, (kind, flow_id) in enumerate(wanted):
        element = etree.Element(f"{{{BPMN}}}{kind}")
        element.text = flow_id
        node.insert(position + offset, element)
    for child in node:
        if child.tail is None or not child.tail.strip():
            child.tail = "\n" + inner
    if len(node):
        node[-1].tail = "\n" + indent
    return True


def _remove_child(el) -> None:
    """Remove ``el`` with the whitespace before it (lxml alone would drop the one after it)."""
    parent, prev = el.getparent(), el.getprevious()
    if prev is not None:
        prev.tail = el.tail
    else:
        parent.text = el.tail
    parent.remove(el)


def _indent_of(node) -> str:
    previous = node.getprevious()
    text = previous.tail if previous is not None else node.getparent().text
    return (text or "\n").rsplit("\n", 1)[-1]
