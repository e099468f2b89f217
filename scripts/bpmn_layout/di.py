"""Writing boxes and waypoints into the tree as BPMN DI, plus the pools bpmn-js needs.

New elements get the same whitespace as their siblings, so that the serialized
tree stays indented like the rest of the file.
"""
from __future__ import annotations

from lxml import etree

from .model import BPMNDI, DC, DI, SUBPROCESSES, Model, q

STANDARD_PREFIX = {BPMNDI: "bpmndi", DC: "dc", DI: "di"}


class Ids:
    """Hands out ids not yet used anywhere in the document."""

    def __init__(self, root):
        self.taken = {el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")}

    def new(self, want: str) -> str:
        candidate, i = want, 2
        while candidate in self.taken:
            candidate, i = f"{want}_{i}", i + 1
        self.taken.add(candidate)
        return candidate


def indent_unit(root) -> str:
    """The file's indentation step, taken from before the root's first child."""
    text = root.text or ""
    unit = text.rsplit("\n", 1)[-1] if "\n" in text else ""
    return unit if unit and not unit.strip() else "  "


def _ws_before(parent, index: int) -> str:
    return (parent[index - 1].tail if index > 0 else parent.text) or ""


def place_child(parent, index: int, el, unit: str) -> None:
    """Move ``el``, just appended to ``parent``, to ``index`` with whitespace like its siblings'.

    ``el`` is created in place (SubElement) rather than inserted from outside so that
    lxml reuses the namespace prefixes already declared in the document.
    """
    n = len(parent) - 1
    if n == 0:
        outer = unit * sum(1 for _ in parent.iterancestors())
        parent.text, el.tail = "\n" + outer + unit, "\n" + outer
        ws = parent.text
    elif index < n:
        ws = _ws_before(parent, index)
        parent.insert(index, el)
        el.tail = ws
    else:
        last = parent[n - 1]
        ws = _ws_before(parent, n - 1)
        el.tail, last.tail = last.tail, ws
    _indent(el, ws.rsplit("\n", 1)[-1] if "\n" in ws else "", unit)


def _indent(el, base: str, unit: str) -> None:
    if len(el):
        el.text = "\n" + base + unit
        for child in el:
            child.tail = "\n" + base + unit
            _indent(child, base + unit, unit)
        el[-1].tail = "\n" + base


def remove_child(el) -> None:
    """Remove ``el`` with the whitespace before it (lxml alone would drop the one after it)."""
    parent, prev = el.getparent(), el.getprevious()
    if prev is not None:
        prev.tail = el.tail
    else:
        parent.text = el.tail
    parent.remove(el)


def ensure_pools(root, m: Model) -> bool:
    """Give every process with lanes but no participant a collaboration of its own.

    bpmn-js draws lanes only inside a pool. Each such process gets a separate
    one-participant collaboration, inserted just before it: GovFlow deploys a
    collaboration of two or more executable pools as one bundle that starts them
    together, so pooling independent processes together would change what runs.
    Returns whether the tree changed.
    """
    referenced = {p.get("processRef") for p in m.participants}
    ids, unit = Ids(root), indent_unit(root)
    added = False
    for proc in m.processes:
        if not proc.lanes or proc.id in referenced:
            continue
        collab = etree.SubElement(root, q("collaboration"))
        collab.set("id", ids.new(f"Collaboration_{proc.id}"))
        place_child(root, root.index(proc.el), collab, unit)
        part = etree.SubElement(collab, q("participant"))
        part.set("id", ids.new(f"Participant_{proc.id}"))
        if proc.el.get("name"):
            part.set("name", proc.el.get("name"))
        part.set("processRef", proc.id)
        place_child(collab, 0, part, unit)
        added = True
    return added


def write_di(root, m: Model, planes: list[tuple[str, dict, dict]]) -> None:
    """Replace every BPMNDiagram of ``root`` by one diagram per (element id, boxes, waypoints).

    Ids and extra attributes (colours) of the old diagrams, shapes and edges are
    kept for the elements they drew, so re-running the layout changes only
    coordinates.
    """
    old = [d for d in root if d.tag == q("BPMNDiagram", BPMNDI)]
    kept, old_names = {}, {}
    for d in old:
        plane = d.find(q("BPMNPlane", BPMNDI))
        ref = plane.get("bpmnElement") if plane is not None else None
        old_names.setdefault(ref, (d.get("id"), plane.get("id") if plane is not None else None))
        for el in d.iter(q("BPMNShape", BPMNDI), q("BPMNEdge", BPMNDI)):
            extras = [(k, v) for k, v in el.attrib.items() if k.startswith("{")]
            kept.setdefault(el.get("bpmnElement"), (el.get("id"), extras))
    refs = [ref for ref, _, _ in planes]
    main = ("BPMNDiagram_1", "BPMNPlane_1")
    if old and next(iter(old_names)) not in refs:
        # The main diagram drew something else before (the process, now in a pool).
        main = next(iter(old_names.values()))
    index = root.index(old[0]) if old else len(root)
    for d in old:
        remove_child(d)

    ids, unit = Ids(root), indent_unit(root)
    declared = set(root.nsmap.values())
    missing = {}
    for uri, prefix in STANDARD_PREFIX.items():
        if uri not in declared:
            p, i = prefix, 2
            while p in root.nsmap or p in missing:
                p, i = f"{prefix}{i}", i + 1
            missing[p] = uri
    for number, (ref, boxes, edges) in enumerate(planes):
        names = old_names.get(ref) or (main if number == 0 else (None, None))
        diagram = etree.SubElement(root, q("BPMNDiagram", BPMNDI), nsmap=missing or None)
        diagram.set("id", ids.new(names[0] or f"BPMNDiagram_{ref}"))
        plane = etree.SubElement(diagram, q("BPMNPlane", BPMNDI))
        plane.set("id", ids.new(names[1] or f"BPMNPlane_{ref}"))
        plane.set("bpmnElement", ref)
        _draw(plane, m, boxes, edges, kept, ids)
        place_child(root, index + number, diagram, unit)


def _draw(plane, m: Model, boxes: dict, edges: dict, kept: dict, ids: Ids) -> None:
    def begin(tag, ref, flags=()):
        el = etree.SubElement(plane, q(tag, BPMNDI))
        old_id, extras = kept.get(ref, (None, []))
        el.set("id", ids.new(old_id or f"{ref}_di"))
        el.set("bpmnElement", ref)
        for k, v in list(flags) + extras:
            if k not in el.attrib:
                el.set(k, v)
        return el

    def shape(ref, flags=()):
        bounds = etree.SubElement(begin("BPMNShape", ref, flags), q("Bounds", DC))
        for k, v in zip(("x", "y", "width", "height"), boxes[ref]):
            bounds.set(k, str(int(v)))

    horizontal = [("isHorizontal", "true")]
    for p in m.participants:
        if p.get("id") in boxes:
            shape(p.get("id"), horizontal)
    for lane in m.root.iter(q("lane")):
        if lane.get("id") in boxes:
            shape(lane.get("id"), horizontal)
    for nid, node in m.nodes.items():
        if nid in boxes:
            flags = [("isExpanded", "true")] if node.name in SUBPROCESSES else []
            if node.name == "exclusiveGateway":
                flags = [("isMarkerVisible", "true")]
            shape(nid, flags)
    for e in m.edges:
        if e.id in edges:
            el = begin("BPMNEdge", e.id)
            for x, y in edges[e.id]:
                etree.SubElement(el, q("waypoint", DI), x=str(int(x)), y=str(int(y)))
