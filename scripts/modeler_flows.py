#!/usr/bin/env python3
"""Write the ``<bpmn:incoming>``/``<bpmn:outgoing>`` children Camunda Modeler writes:
``python scripts/modeler_flows.py [--check] FILE.bpmn [FILE...]``.

Every flow node lists the sequence flows that enter and leave it, in document order,
right after its documentation and extension elements (where the BPMN schema puts
them). Engines ignore the lists; Modeler, bpmnlint and other tools read them, and a
file without them does not look like one Modeler saved. ``--check`` only reports the
files that would change and exits 1 if any would.
"""
from __future__ import annotations

import sys
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bpmn_layout.di import remove_child  # noqa: E402  (the layout package beside this script)

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_SCOPES = {"process", "subProcess", "transaction", "adHocSubProcess"}
_LEADING = {f"{{{BPMN}}}documentation", f"{{{BPMN}}}extensionElements"}


def add_flow_lists(root) -> bool:
    """Rewrite the lists of every flow node under ``root``; returns whether anything changed."""
    changed = False
    for scope in root.iter(*(f"{{{BPMN}}}{s}" for s in _SCOPES)):
        flows = scope.findall(f"{{{BPMN}}}sequenceFlow")
        for node in scope:
            if not isinstance(node.tag, str) or node.tag == f"{{{BPMN}}}sequenceFlow" or not node.get("id"):
                continue
            incoming = [f.get("id") for f in flows if f.get("targetRef") == node.get("id")]
            outgoing = [f.get("id") for f in flows if f.get("sourceRef") == node.get("id")]
            changed |= _rewrite(node, incoming, outgoing)
    return changed


def _rewrite(node, incoming: list[str], outgoing: list[str]) -> bool:
    current = [(etree.QName(c).localname, c.text) for c in node
               if c.tag in (f"{{{BPMN}}}incoming", f"{{{BPMN}}}outgoing")]
    wanted = [("incoming", i) for i in incoming] + [("outgoing", o) for o in outgoing]
    if current == wanted:
        return False
    for child in node.findall(f"{{{BPMN}}}incoming") + node.findall(f"{{{BPMN}}}outgoing"):
        remove_child(child)
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
    node[-1].tail = "\n" + indent
    return True


def _indent_of(node) -> str:
    previous = node.getprevious()
    text = previous.tail if previous is not None else node.getparent().text
    return (text or "\n").rsplit("\n", 1)[-1]


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name in (a for a in argv if a != "--check"):
        path = Path(name)
        tree = etree.parse(str(path))
        if add_flow_lists(tree.getroot()):
            stale.append(name)
            if not check:
                path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n'
                                + etree.tostring(tree.getroot(), encoding="unicode") + "\n", encoding="utf-8")
    for name in stale:
        print(("lacks Modeler's incoming/outgoing lists: " if check else "rewrote ") + name)
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
