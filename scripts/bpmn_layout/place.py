"""Coordinates: grid cells become boxes, abstract routes become orthogonal waypoints.

A container (process or subprocess) is laid out in its own frame, origin at its
top-left, and moved into its parent's frame once the parent knows where it goes.
Columns are separated by gaps that no shape enters, and rows have padding that no
shape enters; edges only run vertically in gaps and horizontally through their own
cells or paddings, which is why they never cross a shape.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .grid import GridEdge, build_grid
from .model import Container, Model

COL_GAP = 60          # between two columns: room for the vertical parts of edges
OUTER_GAP = 30        # left of the first and right of the last column
JOG_STEP = 14         # distance between parallel vertical segments in one gap
ROW_PAD = 25          # above and below the tallest node of a row
EMPTY_ROW = 80
GUTTER = 30           # below a host: where flows leaving its boundary events turn right
GUTTER_STEP = 10
CHANNEL_STEP = 12     # distance between back edges running under the same row
HEADER = 30           # label band of a pool or lane
LANE_MIN = 120
SUB_TOP = 20          # room for an expanded subprocess's own label
SUB_MIN = (200, 120)
POOL_GAP = 60
ORIGIN = (120, 60)
BOUNDARY_STEP = 44    # between the centres of boundary events on one host


@dataclass
class Frame:
    w: int
    h: int
    boxes: dict = field(default_factory=dict)   # element id -> [x, y, w, h]
    edges: dict = field(default_factory=dict)   # edge id -> [(x, y), ...]
    lanes: dict = field(default_factory=dict)   # this container's own lanes -> [x, y, w, h]

    def move(self, dx: int, dy: int) -> Frame:
        for box in list(self.boxes.values()) + list(self.lanes.values()):
            box[0] += dx
            box[1] += dy
        for eid, pts in self.edges.items():
            self.edges[eid] = [(x + dx, y + dy) for x, y in pts]
        return self

    def absorb(self, other: Frame) -> None:
        self.boxes.update(other.boxes)
        self.boxes.update(other.lanes)
        self.edges.update(other.edges)


def _even(v: int) -> int:
    return v + (v % 2)


def layout_container(c: Container, m: Model) -> Frame:
    """Lay out ``c`` and, recursively, its expanded subprocesses; sizes subprocess nodes."""
    subframes = {}
    for nid in c.grid + c.event_subs:
        node = m.nodes[nid]
        if node.inner is not None:
            f = subframes[nid] = layout_container(node.inner, m)
            node.w, node.h = _even(max(SUB_MIN[0], f.w)), _even(max(SUB_MIN[1], f.h + SUB_TOP))
        if len(node.boundaries) > 2:
            node.w = max(node.w, BOUNDARY_STEP * len(node.boundaries) + 12)

    leaves = c.leaves
    lane_ix = {lid: i for i, lid in enumerate(leaves)}
    grid_ids = set(c.grid)
    gedges = []
    for e in m.edges:
        s, t = m.nodes.get(e.src or ""), m.nodes.get(e.dst or "")
        if e.owner is not c or e.kind not in ("seq", "assoc") or s is None or t is None:
            continue
        src, b = (s.host, s.id) if s.host else (s.id, None)
        if src in grid_ids and t.id in grid_ids:
            gedges.append(GridEdge(e.id, src, t.id, b))
    lane_of = {n: lane_ix.get(m.nodes[n].lane, 0) for n in c.grid + c.artifacts}
    g = build_grid(c.grid, lane_of, len(leaves), gedges, [(a, m.nodes[a].anchor) for a in c.artifacts],
                   [n for n in c.grid if m.nodes[n].name == "startEvent"])
    real = [x for x in g.col if x in m.nodes]
    # Left to right along the host, boundary events go to ever higher targets (back
    # edges count as lowest), so their flows do not cross each other.
    aim = defaultdict(lambda: float("inf"))
    for e in gedges:
        if e.boundary:
            first = (g.chains.get(e.id) or [e.dst])[0]
            aim[e.boundary] = min(aim[e.boundary], -1e9 if e.id in g.back else g.row[first])
    for x in real:
        m.nodes[x].boundaries.sort(key=lambda b: -aim[b])
    ncols, nrows = g.ncols, sum(g.lane_rows)
    colw, rowh, nbound = [0] * ncols, [0] * nrows, [0] * nrows
    for x in real:
        n, col, row = m.nodes[x], g.col[x], g.row[x]
        colw[col], rowh[row] = max(colw[col], n.w), max(rowh[row], n.h)
        nbound[row] = max(nbound[row], len(n.boundaries))
    rowh = [h or EMPTY_ROW for h in rowh]

    # Back edges run under the lower of their two rows, wider loops further down.
    chan = defaultdict(list)
    for e in gedges:
        if e.id in g.back:
            chan[max(g.row[e.src], g.row[e.dst])].append(e)
    chan_ix = {}
    for r, lst in chan.items():
        lst.sort(key=lambda e: g.col[e.src] - g.col[e.dst])
        chan_ix.update((e.id, (r, i)) for i, e in enumerate(lst))

    routes, jogs = _routes(gedges, g, chan_ix)
    key_of, gap_keys = _jog_keys(jogs, g, chan_ix, {b: m.nodes[b].host for e in gedges for b in [e.boundary] if b})

    # x: gaps and columns alternate, after the lane headers.
    depth = max((ln.depth for top in c.lanes for ln in top.walk()), default=-1) + 1
    gapw = [max(COL_GAP if 0 < k < ncols else OUTER_GAP, JOG_STEP * (len(gap_keys.get(k, ())) + 1))
            for k in range(ncols + 1)]
    x0 = x = HEADER * depth
    gapx, colx = [], []
    for k in range(ncols):
        gapx.append(x)
        colx.append(x + gapw[k])
        x += gapw[k] + colw[k]
    gapx.append(x)
    width = x + gapw[ncols]
    jogx = {(k, key): gapx[k] + gapw[k] * (i + 1) // (len(keys) + 1)
            for k, keys in gap_keys.items() for i, key in enumerate(keys)}

    # y: lanes stacked, rows inside lanes. Event subprocesses (and boundary events
    # without a drawn host) stand right of the last column, stacked in their lane:
    # no edge ever runs there, whereas below the rows vertical segments pass by.
    bpad = [GUTTER + GUTTER_STEP * n if n else 0 for n in nbound]
    rowfull = [2 * ROW_PAD + rowh[r] + bpad[r] + CHANNEL_STEP * len(chan[r]) for r in range(nrows)]
    placed_hosts = {b for x in real for b in m.nodes[x].boundaries}
    aside = defaultdict(list)
    for nid in c.event_subs + [b for b in c.boundaries if b not in placed_hosts]:
        aside[lane_ix.get(m.nodes[nid].lane, 0)].append(nid)
    aside_x = width if ncols else x0 + OUTER_GAP
    boxes, rowtop, lane_span, y, r0 = {}, [0] * nrows, [], 0, 0
    for li, nr in enumerate(g.lane_rows):
        top, rows_h = y, sum(rowfull[r0:r0 + nr])
        y += max(0, LANE_MIN - rows_h) // 2 if leaves else 0
        for r in range(r0, r0 + nr):
            rowtop[r], y = y, y + rowfull[r]
        ay = top + ROW_PAD
        for nid in aside[li]:
            n = m.nodes[nid]
            boxes[nid] = [aside_x, ay, n.w, n.h]
            ay += n.h + ROW_PAD
            width = max(width, aside_x + n.w + OUTER_GAP)
        y = max(y, ay, top + LANE_MIN if leaves else 0)
        lane_span.append((top, y - top))
        r0 += nr
    rowc = [rowtop[r] + ROW_PAD + rowh[r] // 2 for r in range(nrows)]

    bxs, bbs, gut = {}, {}, {}
    for x in real:
        n, col = m.nodes[x], g.col[x]
        box = boxes[x] = [colx[col] + (colw[col] - n.w) // 2, rowc[g.row[x]] - n.h // 2, n.w, n.h]
        k = len(n.boundaries)
        for i, bid in enumerate(n.boundaries):
            cx = box[0] + box[2] // 2 + (2 * i - (k - 1)) * BOUNDARY_STEP // 2
            bottom = box[1] + box[3]
            boxes[bid] = [cx - 18, bottom - 18, 36, 36]
            bxs[bid], bbs[bid] = cx, bottom + 18
            # The leftmost event turns lowest, so no flow crosses a sibling's.
            gut[bid] = bottom + GUTTER + GUTTER_STEP * (k - 1 - i)

    def X(s):
        if s[0] == "J":
            return jogx[(s[1], key_of[s[1:]])]
        if s[0] == "BX":
            return bxs[s[1]]
        box = boxes[s[1]]
        return box[0] + (box[2] if s[0] == "R" else 0)

    def Y(s):
        if s[0] == "ROW":
            return rowc[s[1]]
        if s[0] == "CH":
            return rowc[s[1]] + rowh[s[1]] // 2 + bpad[s[1]] + CHANNEL_STEP * (s[2] + 1)
        return (gut if s[0] == "GUT" else bbs)[s[1]]

    frame = Frame(width, y, boxes)
    for eid, pts in routes.items():
        frame.edges[eid] = simplify([(X(px), Y(py)) for px, py in pts])
    lane_box = {}
    for li, lid in enumerate(leaves):
        lane_box[lid] = lane_span[li]
    for top in c.lanes:
        for ln in reversed(list(top.walk())):   # children before their parents
            if ln.children:
                first, last = lane_box[ln.children[0].id], lane_box[ln.children[-1].id]
                lane_box[ln.id] = (first[0], last[0] + last[1] - first[0])
            frame.lanes[ln.id] = [ln.depth * HEADER, lane_box[ln.id][0], width - ln.depth * HEADER,
                                  lane_box[ln.id][1]]
    for nid, f in subframes.items():
        bx, by, bw, bh = boxes[nid]
        frame.absorb(f.move(bx + (bw - f.w) // 2, by + SUB_TOP + (bh - SUB_TOP - f.h) // 2))
    return frame


def _routes(gedges, g, chan_ix):
    """Waypoints as symbols, resolved once coordinates exist.

    x: ("L"|"R", node) box edges, ("BX", boundary) its centre, ("J", gap, from, to) a
    vertical segment in a column gap; y: ("ROW", r) row centre line, ("CH", r, i) a
    back-edge channel under row r, ("GUT"|"BB", boundary) its gutter / its bottom.
    """
    routes, jogs = {}, defaultdict(list)

    def jog(gap, frm, to):
        jogs[gap].append((frm, to))
        return ("J", gap, frm, to)

    for e in gedges:
        b, pts = e.boundary, []
        row_dst = ("ROW", g.row[e.dst])
        if b:
            pts.append((("BX", b), ("BB", b)))
        if e.id in g.back:
            r, i = chan_ix[e.id]
            if b and r == g.row[e.src]:
                pts.append((("BX", b), ("CH", r, i)))
            else:
                start = (("BX", b), ("GUT", b)) if b else (("R", e.src), ("ROW", g.row[e.src]))
                x = jog(g.col[e.src] + 1, b or e.src, e.id)
                pts += [start, (x, start[1]), (x, ("CH", r, i))]
            x = jog(g.col[e.dst], e.id, e.dst)
            pts += [(x, ("CH", r, i)), (x, row_dst), (("L", e.dst), row_dst)]
            routes[e.id] = pts
            continue
        cells = g.chains[e.id] + [e.dst]
        if b and len(cells) == 1 and g.row[e.dst] > g.row[e.src] and not any(
                (g.col[e.src], r) in g.cells for r in range(g.row[e.src] + 1, g.row[e.dst] + 1)):
            # Target just below and to the right, nothing in between: straight down, then right.
            routes[e.id] = pts + [(("BX", b), row_dst), (("L", e.dst), row_dst)]
            continue
        pts.append((("BX", b), ("GUT", b)) if b else (("R", e.src), ("ROW", g.row[e.src])))
        y, frm = pts[-1][1], b or e.src
        for cell in cells:
            if ("ROW", g.row[cell]) != y:
                x = jog(g.col[cell], frm, cell)
                pts += [(x, y), (x, ("ROW", g.row[cell]))]
                y = ("ROW", g.row[cell])
            frm = cell
        routes[e.id] = pts + [(("L", e.dst), y)]
    return routes, jogs


def _jog_keys(jogs, g, chan_ix, host_of):
    """Share one vertical per fork or join; order verticals in a gap to avoid overlaps."""
    def yrank(k):
        if k in g.row:
            return g.row[k] * 4 + 1
        if k in host_of:
            return g.row[host_of[k]] * 4 + 2
        r, i = chan_ix[k]
        return r * 4 + 3 + i / 100

    key_of, gap_keys = {}, {}
    for gap, pairs in jogs.items():
        uniq = list(dict.fromkeys(pairs))
        outs, ins = Counter(f for f, _ in uniq), Counter(t for _, t in uniq)
        members = defaultdict(list)
        for f, t in uniq:
            key = ("s", f) if outs[f] > 1 else ("t", t) if ins[t] > 1 else ("p", f, t)
            key_of[(gap, f, t)] = key
            members[key].append((yrank(f), yrank(t)))

        def order(key, members=members):
            yf = sum(a for a, _ in members[key]) / len(members[key])
            yt = sum(b for _, b in members[key]) / len(members[key])
            # Going down: the lower start goes left; going up: the higher start goes left.
            return (0, -yf, yt) if yt > yf else (1, yf, yt)
        gap_keys[gap] = sorted(members, key=order)
    return key_of, gap_keys


def simplify(pts):
    """Drop repeated points and the middle of three collinear points."""
    out = []
    for p in pts:
        p = (int(p[0]), int(p[1]))
        if out and out[-1] == p:
            continue
        if len(out) >= 2 and (out[-2][0] == out[-1][0] == p[0] or out[-2][1] == out[-1][1] == p[1]):
            out[-1] = p
            continue
        out.append(p)
    return out if len(out) >= 2 else out + out[-1:]
