"""Layered placement of one container's nodes on a grid of columns (ranks) and rows.

The classic Sugiyama steps, kept small: back edges by DFS, ranks by longest path,
dummy cells for edges spanning several ranks, barycenter sweeps, then rows.
Only topology is decided here; :mod:`place` turns cells into coordinates.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class GridEdge:
    id: str
    src: str                  # grid node; the host when the flow leaves a boundary event
    dst: str
    boundary: str | None = None


@dataclass
class Grid:
    col: dict[str, int]                    # item (node or dummy) -> column
    row: dict[str, int]                    # item -> global row (lanes stacked)
    lane_rows: list[int]                   # rows per lane
    back: set[str]                         # ids of edges drawn right-to-left
    chains: dict[str, list[str]]           # forward edge id -> its dummy items, left to right
    cells: dict[tuple[int, int], str] = field(default_factory=dict)

    @property
    def ncols(self) -> int:
        return max(self.col.values(), default=-1) + 1


def build_grid(nodes: list[str], lane: dict[str, int], nlanes: int, edges: list[GridEdge],
               artifacts: list[tuple[str, str | None]], starts: list[str]) -> Grid:
    """Place ``nodes`` (document order) and ``artifacts`` ((id, anchor)) on a grid.

    ``lane`` maps every node to a lane index in ``range(nlanes)``. ``starts`` are the
    start events, where the depth-first search begins so that loops are broken
    where a reader expects.
    """
    nodes = list(nodes)
    succ = {n: [] for n in nodes}
    has_in = set()
    for e in edges:
        succ[e.src].append(e)
        has_in.add(e.dst)
    pre, post, back = _dfs(nodes, succ, starts + [n for n in nodes if n not in has_in] + nodes)

    rank = {}
    for n in reversed(post):  # reverse post-order is topological once back edges are ignored
        rank[n] = 0
    for n in reversed(post):
        for e in succ[n]:
            if e.id not in back:
                rank[e.dst] = max(rank[e.dst], rank[n] + 1)

    # Items are the nodes plus one dummy per rank crossed by a long forward edge.
    lane = dict(lane)
    order_key = {n: (pre[n], 0) for n in nodes}
    up = {n: [] for n in nodes}      # item -> [(neighbour, offset)] one rank to the left
    down = {n: [] for n in nodes}
    chains, below = {}, set()
    busy = {}                          # (lane, rank) -> nodes there, to route long edges
    for n in nodes:
        busy[(lane[n], rank[n])] = busy.get((lane[n], rank[n]), 0) + 1
    for e in edges:
        if e.id in back:
            continue
        chain, span = [], range(rank[e.src] + 1, rank[e.dst])
        # A long edge changing lanes runs through whichever lane is emptier on the way.
        via = min((lane[e.dst], lane[e.src]), key=lambda ln: sum(busy.get((ln, r), 0) for r in span))
        for r in span:
            d = f"\0{e.id}\0{r}"
            rank[d], lane[d], order_key[d] = r, via, (pre[e.src], len(chain) + 1)
            up[d], down[d] = [], []
            chain.append(d)
        chains[e.id] = chain
        path = [e.src] + chain + [e.dst]
        if e.boundary:
            below.add((e.src, path[1]))
        for i, (a, b) in enumerate(zip(path, path[1:])):
            # Flows leaving a boundary event start below their host: pull them down.
            offset = 0.5 if (e.boundary and i == 0) else 0.0
            up[b].append((a, offset))
            down[a].append((b, -offset))

    nranks = max(rank.values(), default=-1) + 1
    layers = [[] for _ in range(nranks)]
    for item in sorted(rank, key=lambda x: (lane[x], order_key[x])):
        layers[rank[item]].append(item)
    _order(layers, lane, up, down)

    _insert_artifacts(layers, artifacts, rank, lane)
    row, lane_rows = _rows(layers, lane, up, nlanes, dict(artifacts), below)
    grid = Grid(col=rank, row=row, lane_rows=lane_rows, back=back, chains=chains)
    grid.cells = {(rank[x], row[x]): x for x in rank}
    return grid


def _dfs(nodes, succ, roots):
    """Iterative DFS: pre-order numbers, post-order list and the back edges (to a node on the stack)."""
    state, pre, post, back = {}, {}, [], set()
    for root in roots:
        if root in state:
            continue
        state[root], pre[root] = 1, len(pre)
        stack = [(root, iter(succ[root]))]
        while stack:
            node, it = stack[-1]
            for e in it:
                if state.get(e.dst) == 1:
                    back.add(e.id)
                elif e.dst not in state:
                    state[e.dst], pre[e.dst] = 1, len(pre)
                    stack.append((e.dst, iter(succ[e.dst])))
                    break
            else:
                state[node] = 2
                post.append(node)
                stack.pop()
    return pre, post, back


def _order(layers, lane, up, down, rounds: int = 4) -> None:
    """Barycenter sweeps down and up the ranks; keep the order with fewest crossings."""
    pos = {x: i for layer in layers for i, x in enumerate(layer)}

    def sweep(indices, nbrs):
        for r in indices:
            def key(x):
                ns = nbrs[x]
                bary = sum(pos[n] + off for n, off in ns) / len(ns) if ns else pos[x]
                # On a tie, the item with the higher-placed neighbour goes first.
                return lane[x], bary, min((pos[n] + off for n, off in ns), default=bary), pos[x]
            layers[r].sort(key=key)
            pos.update((x, i) for i, x in enumerate(layers[r]))

    best, best_score = [list(layer) for layer in layers], _score(layers, down, pos)
    for _ in range(rounds):
        sweep(range(1, len(layers)), up)
        sweep(range(len(layers) - 2, -1, -1), down)
        score = _score(layers, down, pos)
        if score < best_score:
            best, best_score = [list(layer) for layer in layers], score
    layers[:] = best


def _score(layers, down, pos) -> tuple[int, float]:
    """Crossings, then how far edges bend (boundary flows are expected one place lower)."""
    crossings, bends = 0, 0.0
    for layer in layers:
        segs = [(pos[a] - off, pos[b], off) for a in layer for b, off in down[a]]
        crossings += sum(1 for i, (a1, b1, _) in enumerate(segs) for a2, b2, _ in segs[i + 1:]
                         if (a1 - a2) * (b1 - b2) < 0)
        bends += sum(abs(b - a + off) for a, b, off in segs)
    return crossings, bends


def _insert_artifacts(layers, artifacts, rank, lane) -> None:
    """An anchored artifact goes just before its anchor (so one row above it)."""
    if not layers:
        layers.append([])
    for art, anchor in artifacts:
        if anchor is not None and anchor in rank:
            rank[art], lane[art] = rank[anchor], lane[anchor]
            layer = layers[rank[anchor]]
            layer.insert(layer.index(anchor), art)
        else:
            rank[art], lane[art] = 0, lane.get(art, 0)
            layer = layers[0]
            at = sum(1 for x in layer if lane[x] <= lane[art])
            layer.insert(at, art)


def _rows(layers, lane, up, nlanes, anchors, below_host):
    """Rows within each lane: keep a node on its predecessor's row when that row is free.

    ``below_host`` holds (host, item) pairs of boundary flows: those aim one row lower.
    """
    local = {}
    # A lane with annotated nodes keeps its first row for the annotations, so that
    # the main line does not bend down wherever an annotation sits above it.
    base = {lane[anchor]: 1 for anchor in anchors.values() if anchor in up}

    def desired(x):
        if x in anchors:
            return desired(anchors[x]) - 1 if anchors[x] in up else 0
        rows = [local[p] + (1 if (p, x) in below_host else 0)
                for p, _ in up.get(x, ()) if p in local and lane[p] == lane[x]]
        return min(rows, default=base.get(lane[x], 0))

    for layer in layers:
        last = {}
        for x in layer:
            local[x] = max(desired(x), last.get(lane[x], -1) + 1)
            last[lane[x]] = local[x]
        for x, nxt in reversed(list(zip(layer, layer[1:]))):
            if x in anchors and anchors[x] is not None and lane[nxt] == lane[x]:
                local[x] = local[nxt] - 1      # right above its node, however far that moved
    lane_rows = [1] * max(nlanes, 1)
    for x, r in local.items():
        lane_rows[lane[x]] = max(lane_rows[lane[x]], r + 1)
    offset = [sum(lane_rows[:i]) for i in range(len(lane_rows))]
    return {x: offset[lane[x]] + r for x, r in local.items()}, lane_rows
