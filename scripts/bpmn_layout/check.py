"""Is a file's BPMN DI complete and readable? Works on any file, laid out by us or not."""
from __future__ import annotations

from collections import defaultdict

from .model import BPMNDI, DC, DI, DI_NAMESPACES, q, read_model

TOLERANCE = 5   # pixels two shapes may overlap before it counts (hand-drawn files touch)


def check_di(tree) -> list[str]:
    """Human-readable problems with the DI of ``tree`` (an ElementTree or its root).

    Reported: flow nodes, artifacts, lanes and participants without a shape;
    sequence flows, message flows and associations without an edge; shapes, edges
    and planes whose bpmnElement names no element; shapes without bounds, edges with
    fewer than two waypoints; a node drawn outside the lane it belongs to; and two
    shapes in the same lane overlapping by more than a few pixels (a subprocess and
    its content, or a boundary event and its host, are meant to overlap).
    """
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    m = read_model(root)
    semantic = {}
    for el in root.iter():
        if isinstance(el.tag, str) and el.get("id") and not el.tag[1:].startswith(DI_NAMESPACES):
            semantic.setdefault(el.get("id"), el)
    problems, shapes, edges = [], {}, set()
    for plane_no, diagram in enumerate(root.iter(q("BPMNDiagram", BPMNDI))):
        for el in diagram.iter(q("BPMNPlane", BPMNDI), q("BPMNShape", BPMNDI), q("BPMNEdge", BPMNDI)):
            kind, ref = el.tag.rsplit("}", 1)[1], el.get("bpmnElement")
            if ref not in semantic:
                problems.append(f"{kind} {el.get('id')!r} refers to a missing element {ref!r}")
                continue
            if kind == "BPMNShape":
                bounds = el.find(q("Bounds", DC))
                try:
                    box = tuple(float(bounds.get(k)) for k in ("x", "y", "width", "height"))
                except (AttributeError, TypeError, ValueError):
                    problems.append(f"BPMNShape {el.get('id')!r} has no valid dc:Bounds")
                    continue
                shapes.setdefault(ref, (plane_no, box))
            elif kind == "BPMNEdge":
                if len(el.findall(q("waypoint", DI))) < 2:
                    problems.append(f"BPMNEdge {el.get('id')!r} has fewer than two waypoints")
                edges.add(ref)

    def label(el):
        name = el.get("name")
        return f"{el.tag.rsplit('}', 1)[1]} {el.get('id')!r}" + (f" ({name})" if name else "")

    lanes = [el for el in root.iter(q("lane")) if el.get("id")]
    for el in [n.el for n in m.nodes.values()] + lanes + m.participants:
        if el.get("id") not in shapes:
            problems.append(f"{label(el)} has no shape")
    for e in m.edges:
        if e.kind != "data" and e.id not in edges:
            ends = [shapes[ref][0] for ref in (e.src, e.dst) if ref in shapes]
            hint = " (its ends are in different diagrams: does a participant miss?)" \
                if len(set(ends)) == 2 else ""
            problems.append(f"{label(semantic[e.id])} has no edge{hint}")
    problems += _lane_problems(m, shapes, lanes, label)
    return problems


def _inside(box, x, y) -> bool:
    return box[0] <= x <= box[0] + box[2] and box[1] <= y <= box[1] + box[3]


def _lane_problems(m, shapes, lanes, label) -> list[str]:
    problems = []
    lane_boxes = [(lane.get("id"), *shapes[lane.get("id")]) for lane in lanes if lane.get("id") in shapes]

    def lane_at(plane, box):
        cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
        hits = [(b[2] * b[3], lid) for lid, p, b in lane_boxes if p == plane and _inside(b, cx, cy)]
        return min(hits)[1] if hits else None

    groups = defaultdict(list)
    for nid, node in m.nodes.items():
        if nid not in shapes:
            continue
        plane, box = shapes[nid]
        drawn_in = lane_at(plane, box)
        groups[(plane, drawn_in)].append(nid)
        own = shapes.get(node.lane) if node.lane_explicit else None
        if own and own[0] == plane and not _inside(own[1], box[0] + box[2] / 2, box[1] + box[3] / 2):
            problems.append(f"{label(node.el)} is drawn outside its lane {node.lane!r}")

    def related(a, b):
        na, nb = m.nodes[a], m.nodes[b]
        if na.host == b or nb.host == a:
            return True
        return any(x.get("id") == b for x in na.el.iterancestors()) or \
            any(x.get("id") == a for x in nb.el.iterancestors())

    for key in sorted(groups, key=lambda k: (k[0], k[1] or "")):
        members = sorted(groups[key], key=lambda n: shapes[n][1][0])
        for i, a in enumerate(members):
            ax, ay, aw, ah = shapes[a][1]
            for b in members[i + 1:]:
                bx, by, bw, bh = shapes[b][1]
                if bx >= ax + aw - TOLERANCE:
                    break
                dx = min(ax + aw, bx + bw) - max(ax, bx)
                dy = min(ay + ah, by + bh) - max(ay, by)
                if dx > TOLERANCE and dy > TOLERANCE and not related(a, b):
                    problems.append(f"{label(m.nodes[a].el)} overlaps {label(m.nodes[b].el)} "
                                    f"by {dx:g}x{dy:g} px")
    return problems
