"""Read-only view of the semantic part of a BPMN tree, as the layout needs it.

:func:`read_model` never changes the tree. Every list it builds is in document
order, which is what makes the layout deterministic.
"""
from __future__ import annotations

from dataclasses import dataclass, field

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
DI_NAMESPACES = (BPMNDI, DC, DI)

TASKS = frozenset({"task", "userTask", "serviceTask", "scriptTask", "businessRuleTask", "sendTask",
                   "receiveTask", "manualTask", "callActivity"})
SUBPROCESSES = frozenset({"subProcess", "transaction", "adHocSubProcess"})
EVENTS = frozenset({"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent"})
GATEWAYS = frozenset({"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
                      "complexGateway"})
FLOW_NODES = TASKS | SUBPROCESSES | EVENTS | GATEWAYS | {"boundaryEvent"}
ARTIFACT_SIZES = {"textAnnotation": (100, 30), "dataObjectReference": (36, 50),
                  "dataStoreReference": (50, 50)}


def q(name: str, ns: str = BPMN) -> str:
    """Clark notation ``{ns}name`` for lxml."""
    return f"{{{ns}}}{name}"


def bpmn_name(el) -> str | None:
    """Local name of a BPMN-model element, None for anything else (DI, extensions, comments)."""
    tag = el.tag
    if not isinstance(tag, str) or not tag.startswith("{" + BPMN + "}"):
        return None
    return tag[len(BPMN) + 2:]


def _size(name: str) -> tuple[int, int]:
    if name in EVENTS or name == "boundaryEvent":
        return 36, 36
    if name in GATEWAYS:
        return 50, 50
    return ARTIFACT_SIZES.get(name, (100, 80))


@dataclass(eq=False)
class Lane:
    id: str
    el: object
    depth: int
    refs: list[str]
    children: list[Lane] = field(default_factory=list)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(eq=False)
class Node:
    """A flow node or artifact; ``w``/``h`` are its drawn size (subprocesses grow to fit)."""
    id: str
    el: object
    name: str
    w: int
    h: int
    container: Container | None      # None: artifact owned by the collaboration
    lane: str | None = None            # leaf lane it is drawn in
    lane_explicit: bool = False        # named by a flowNodeRef (not inherited)
    host: str | None = None            # boundary events: attachedToRef
    boundaries: list[str] = field(default_factory=list)
    inner: Container | None = None   # subprocesses: their content
    anchor: str | None = None          # artifacts: the grid node they are drawn above

    @property
    def is_artifact(self) -> bool:
        return self.name in ARTIFACT_SIZES


@dataclass(eq=False)
class Edge:
    """Anything drawn as a BPMNEdge: sequence/message flow, association, data association."""
    id: str
    src: str | None
    dst: str | None
    kind: str                          # "seq" | "assoc" | "data" | "message"
    owner: Container | None


@dataclass(eq=False)
class Container:
    """A process or subprocess: the unit that gets its own grid."""
    el: object
    id: str
    process: str                       # id of the top-level process it belongs to
    grid: list[str] = field(default_factory=list)        # flow nodes placed on the grid
    event_subs: list[str] = field(default_factory=list)  # triggeredByEvent subprocesses
    boundaries: list[str] = field(default_factory=list)
    artifacts: list[str] = field(default_factory=list)   # artifacts drawn in this grid
    lanes: list[Lane] = field(default_factory=list)

    @property
    def leaves(self) -> list[str]:
        return [ln.id for top in self.lanes for ln in top.walk() if not ln.children]

    @property
    def has_content(self) -> bool:
        return bool(self.grid or self.event_subs or self.boundaries or self.artifacts or self.lanes)


@dataclass
class Model:
    root: object
    processes: list[Container] = field(default_factory=list)
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    collaborations: list = field(default_factory=list)   # elements, document order
    participants: list = field(default_factory=list)     # of all collaborations
    loose: dict = field(default_factory=dict)   # collaboration id -> artifacts drawn below its pools

    def process(self, pid: str | None) -> Container | None:
        return next((p for p in self.processes if p.id == pid), None)


def read_model(root) -> Model:
    """Collect processes, nodes, lanes and connections of a ``bpmn:definitions`` element."""
    m = Model(root)
    for el in root:
        name = bpmn_name(el)
        if name == "process" and el.get("id"):
            m.processes.append(_container(el, el.get("id"), m))
        elif name == "collaboration" and el.get("id"):
            m.collaborations.append(el)
            for child in el:
                cname = bpmn_name(child)
                if cname == "participant" and child.get("id"):
                    m.participants.append(child)
                elif cname == "messageFlow" and child.get("id"):
                    m.edges.append(Edge(child.get("id"), child.get("sourceRef"), child.get("targetRef"),
                                        "message", None))
                else:
                    _artifact_or_association(child, cname, None, m)
    for node in m.nodes.values():
        host = m.nodes.get(node.host or "")
        if host is not None and host.container is node.container:
            host.boundaries.append(node.id)
    _anchor_artifacts(m)
    return m


def _container(el, process_id: str, m: Model) -> Container:
    c = Container(el, el.get("id"), process_id)
    for child in el:
        name = bpmn_name(child)
        cid = child.get("id")
        if name in FLOW_NODES and cid and cid not in m.nodes:
            node = Node(cid, child, name, *_size(name), container=c)
            m.nodes[cid] = node
            if name == "boundaryEvent":
                node.host = child.get("attachedToRef")
                c.boundaries.append(cid)
            elif name in SUBPROCESSES and child.get("triggeredByEvent") == "true":
                c.event_subs.append(cid)
            else:
                c.grid.append(cid)
            if name in SUBPROCESSES:
                node.inner = _container(child, process_id, m)
            _data_associations(child, cid, c, m)
        elif name == "sequenceFlow" and cid:
            m.edges.append(Edge(cid, child.get("sourceRef"), child.get("targetRef"), "seq", c))
        elif name == "laneSet" and not c.lanes:
            c.lanes = _lanes(child, 0)
        else:
            _artifact_or_association(child, name, c, m)
    _assign_lanes(c, m)
    return c


def _artifact_or_association(el, name, c: Container | None, m: Model) -> None:
    eid = el.get("id")
    if not eid:
        return
    if name in ARTIFACT_SIZES and eid not in m.nodes:
        m.nodes[eid] = Node(eid, el, name, *ARTIFACT_SIZES[name], container=c)
    elif name == "association":
        m.edges.append(Edge(eid, el.get("sourceRef"), el.get("targetRef"), "assoc", c))


def _data_associations(activity, activity_id, c, m) -> None:
    """Data associations live inside the activity; their visible ends are the data objects."""
    for child in activity:
        name = bpmn_name(child)
        if name not in ("dataInputAssociation", "dataOutputAssociation") or not child.get("id"):
            continue
        refs = {bpmn_name(r): (r.text or "").strip() for r in child if bpmn_name(r) in ("sourceRef", "targetRef")}
        if name == "dataInputAssociation":
            m.edges.append(Edge(child.get("id"), refs.get("sourceRef"), activity_id, "data", c))
        else:
            m.edges.append(Edge(child.get("id"), activity_id, refs.get("targetRef"), "data", c))


def _lanes(lane_set, depth: int) -> list[Lane]:
    lanes = []
    for el in lane_set:
        if bpmn_name(el) != "lane" or not el.get("id"):
            continue
        refs = [(r.text or "").strip() for r in el if bpmn_name(r) == "flowNodeRef"]
        lane = Lane(el.get("id"), el, depth, refs)
        for sub in el:
            if bpmn_name(sub) == "childLaneSet":
                lane.children = _lanes(sub, depth + 1)
        lanes.append(lane)
    return lanes


def _assign_lanes(c: Container, m: Model) -> None:
    """Give every drawn node of ``c`` a leaf lane: its own, else a neighbour's, else the first."""
    if not c.lanes:
        return
    mine = set(c.grid) | set(c.event_subs)
    for top in c.lanes:
        for lane in top.walk():
            # A lane with children draws nothing itself: its nodes go to its first leaf.
            leaf = lane
            while leaf.children:
                leaf = leaf.children[0]
            for ref in lane.refs:
                node = m.nodes.get(ref)
                if ref in mine and (node.lane is None or not lane.children):
                    node.lane, node.lane_explicit = leaf.id, True
    flows = [(e.src, e.dst) for e in m.edges if e.owner is c and e.kind == "seq"]
    for _ in range(2):  # twice, so that lanes spread both downstream and upstream
        for a, b in flows + [(b, a) for a, b in flows]:
            na, nb = m.nodes.get(a), m.nodes.get(b)
            if na and na.host:
                na = m.nodes.get(na.host)
            if na and nb and nb.id in mine and nb.lane is None and na.lane is not None:
                nb.lane = na.lane
    for nid in c.grid + c.event_subs:
        if m.nodes[nid].lane is None:
            m.nodes[nid].lane = c.leaves[0]


def _anchor_artifacts(m: Model) -> None:
    """Decide in which grid each artifact is drawn, and above which node."""
    for e in m.edges:
        if e.kind not in ("assoc", "data"):
            continue
        for art_id, other_id in ((e.src, e.dst), (e.dst, e.src)):
            art, other = m.nodes.get(art_id or ""), m.nodes.get(other_id or "")
            if art is None or other is None or not art.is_artifact or other.is_artifact:
                continue
            if art.anchor is not None:
                continue
            if other.host:
                other = m.nodes.get(other.host) or other
            home = other.container
            if home is None or other.id not in home.grid:
                continue
            # Only inside its own container (or a pool of its collaboration): bpmn-js
            # would otherwise draw it over a subprocess it is not part of, or not at all.
            pools = {p.get("processRef") for p in art.el.getparent() if bpmn_name(p) == "participant"}
            if art.container is home or (art.container is None and home.el.getparent() is m.root
                                         and home.id in pools):
                art.anchor = other.id
                home.artifacts.append(art.id)
    for node in m.nodes.values():
        if node.is_artifact and node.anchor is None:
            if node.container is not None:
                node.container.artifacts.append(node.id)
            else:
                m.loose.setdefault(node.el.getparent().get("id"), []).append(node.id)
    for node in m.nodes.values():
        if node.is_artifact and node.anchor:
            node.lane = m.nodes[node.anchor].lane
        elif node.is_artifact and node.container is not None and node.container.lanes:
            node.lane = node.container.leaves[0]
        elif node.host and node.host in m.nodes:
            node.lane = m.nodes[node.host].lane
