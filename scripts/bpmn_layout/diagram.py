"""The planes: pools stacked top to bottom, then message flows and leftovers.

:func:`place_all` returns plain numbers (boxes and waypoints keyed by element id);
writing them as BPMN DI is :mod:`di`'s job.
"""
from __future__ import annotations

from .model import Model
from .place import HEADER, LANE_MIN, ORIGIN, OUTER_GAP, POOL_GAP, Frame, layout_container, simplify

BLACK_BOX_H = 60
MIN_POOL_W = 600


def place_all(m: Model) -> list[tuple[str, dict, dict]]:
    """One (plane element id, boxes, waypoints) per diagram to draw, main diagram first.

    Each collaboration with participants is a plane of pools (a process is drawn
    in the first pool that names it); every process with content that no pool
    shows gets a plane of its own, since bpmn-js would not draw it in a
    collaboration's plane.
    """
    planes, drawn = [], set()
    for collab in m.collaborations:
        parts = [p for p in m.participants if p.getparent() is collab]
        if parts:
            planes.append(_pools(collab.get("id"), parts, m, drawn))
    for proc in m.processes:
        if proc.has_content and proc.id not in drawn:
            drawn.add(proc.id)
            plane = Frame(0, 0)
            plane.absorb(layout_container(proc, m).move(*ORIGIN))
            planes.append((proc.id, plane.boxes, _connect(m, plane, {})))
    return planes


def _pools(collab_id: str, parts: list, m: Model, drawn: set):
    plane, pool_of, pools = Frame(0, 0), {}, []
    for p in parts:
        proc = m.process(p.get("processRef"))
        if proc is not None and proc.id not in drawn:
            drawn.add(proc.id)
            pool_of[proc.id] = p.get("id")
            pools.append((p, layout_container(proc, m)))
        else:
            pools.append((p, None))       # a black box, or a process already drawn
    width = max([HEADER + f.w for _, f in pools if f] + [MIN_POOL_W])
    x, y = ORIGIN
    for p, f in pools:
        h = max(f.h, LANE_MIN) if f else BLACK_BOX_H
        if f is not None:
            f.move(x + HEADER, y + (h - f.h) // 2)
            for box in f.lanes.values():          # lanes span the whole pool
                box[2] = x + width - box[0]
            plane.absorb(f)
        plane.boxes[p.get("id")] = [x, y, width, h]
        y += h + POOL_GAP
    for aid in m.loose.get(collab_id, []):         # collaboration artifacts nobody points at
        n = m.nodes[aid]
        plane.boxes[aid] = [x, y, n.w, n.h]
        x += n.w + OUTER_GAP
    return collab_id, plane.boxes, _connect(m, plane, pool_of)


def _connect(m: Model, plane: Frame, pool_of: dict) -> dict:
    """Edges the grids did not route: message flows, artifacts' associations, odd flows."""
    boxes, edges = plane.boxes, plane.edges
    for e in m.edges:
        sb, tb = boxes.get(e.src or ""), boxes.get(e.dst or "")
        if e.id in edges or sb is None or tb is None:
            continue
        if e.kind == "message":
            edges[e.id] = _message(e, m, boxes, pool_of)
        else:
            edges[e.id] = free_route(sb, tb)
    return edges


def _pool(ref: str, m: Model, pool_of: dict) -> str | None:
    node = m.nodes.get(ref)
    if node is None:
        return ref                                   # a participant itself
    return pool_of.get(node.container.process) if node.container else None


def _message(e, m: Model, boxes: dict, pool_of: dict):
    """Vertical out of the source, across the gap next to its pool, vertical into the target."""
    s, t = boxes[e.src], boxes[e.dst]
    s_pool, t_pool = _pool(e.src, m, pool_of), _pool(e.dst, m, pool_of)
    sx, tx = s[0] + s[2] // 2, t[0] + t[2] // 2
    if e.src not in m.nodes:                    # from a pool itself: start above/below the target
        sx = min(max(tx, s[0] + HEADER + 10), s[0] + s[2] - 10)
    if e.dst not in m.nodes:
        tx = min(max(sx, t[0] + HEADER + 10), t[0] + t[2] - 10)
    down = s[1] + s[3] // 2 < t[1] + t[3] // 2
    y1, y2 = (s[1] + s[3], t[1]) if down else (s[1], t[1] + t[3])
    pool = boxes.get(s_pool or "")
    mid = (y1 + y2) // 2
    if pool is not None and s_pool != t_pool:
        mid = pool[1] + pool[3] + POOL_GAP // 2 if down else pool[1] - POOL_GAP // 2
        if not min(y1, y2) <= mid <= max(y1, y2):
            mid = (y1 + y2) // 2
    return simplify([(sx, y1), (sx, mid), (tx, mid), (tx, y2)])


def free_route(s, t):
    """Route between two boxes that the grid did not connect (artifacts, odd flows)."""
    sx, sy, sw, sh = s
    tx, ty, tw, th = t
    left, right = max(sx, tx), min(sx + sw, tx + tw)
    if right - left >= 10 and (sy + sh <= ty or ty + th <= sy):
        x = (left + right) // 2                      # one above the other: a vertical line
        return simplify([(x, sy + sh), (x, ty)] if sy < ty else [(x, sy), (x, ty + th)])
    if tx >= sx + sw + 20:
        mid = (sx + sw + tx) // 2
        return simplify([(sx + sw, sy + sh // 2), (mid, sy + sh // 2), (mid, ty + th // 2), (tx, ty + th // 2)])
    below = max(sy + sh, ty + th) + 20
    return simplify([(sx + sw // 2, sy + sh), (sx + sw // 2, below), (tx + tw // 2, below),
                     (tx + tw // 2, ty + th)])
