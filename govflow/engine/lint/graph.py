"""The shape of the flow: what can be reached, where paths stop, where gateways can miss.

Runs on executable processes that have a start event (a process without one is
already an error, and everything in it would be reported unreachable).
"""
from __future__ import annotations

from collections import deque

from lxml import etree

from .document import (
    ACTIVITIES,
    CONTAINERS,
    BpmnDocument,
    has_definition,
    is_compensation_handler,
    is_event_subprocess,
    is_flow_node,
)
from .model import Findings, bpmn, describe, local, text_of


def check_graph(doc: BpmnDocument, findings: Findings) -> None:
    for process in doc.executable_processes:
        if any(child.tag == bpmn("startEvent") for child in process):
            graph = _ProcessGraph(doc, process)
            graph.check_reachability(findings)
            graph.check_dead_ends(findings)
            graph.check_gateways(findings)


class _ProcessGraph:
    """Flow nodes of one process (nested containers included) and how a token moves.

    A token moves along sequence flows, from an activity to its boundary events, from a
    container into its start events (or, without any, into its nodes that nothing
    enters), into the event subprocesses of any active container, and from a link
    throw event to the catch event of the same link name in the same container.
    """

    def __init__(self, doc: BpmnDocument, process):
        self.doc, self.process = doc, process
        self.nodes = [el for el in process.iter(etree.Element) if is_flow_node(el)]

    def successors(self, node):
        for flow in self.doc.outgoing_of(node):
            target = self.doc.lookup(flow.get("targetRef"))
            if target is not None and is_flow_node(target):
                yield target
        if node.get("id"):
            yield from self.doc.boundaries.get(node.get("id"), [])
        if local(node) in CONTAINERS:
            yield from self.entries(node)
        link = _link_name(node)
        if link is not None and local(node) == "intermediateThrowEvent":
            for sibling in node.getparent():
                if local(sibling) == "intermediateCatchEvent" and _link_name(sibling) == link:
                    yield sibling

    def entries(self, container):
        children = [c for c in container if is_flow_node(c)]
        starts = [c for c in children if local(c) == "startEvent"]
        event_subprocesses = [c for c in children if is_event_subprocess(c)]
        if starts and local(container) != "adHocSubProcess":
            return starts + event_subprocesses
        free = [c for c in children
                if not self.doc.incoming_of(c) and local(c) != "boundaryEvent" and not _is_exempt(c)]
        return free + event_subprocesses

    def check_reachability(self, findings: Findings) -> None:
        """Warn once per unreachable region, at its entry, not at every node behind it."""
        reached = self._walk(self.entries(self.process))
        unreached = [n for n in self.nodes if n not in reached and not _is_exempt(n)]
        behind_others: set = set()
        for node in unreached:
            behind_others.update(s for s in self.successors(node) if s is not node)
        covered: set = set()
        # Entries first (nothing unreachable leads to them); a cycle without one is
        # reported at its first node in document order.
        for node in sorted(unreached, key=lambda n: n in behind_others):
            if node in covered:
                continue
            behind = self._walk([node], stop=reached) - {node}
            covered |= behind | {node}
            after = f"; neither can the {len(behind)} elements after it" if len(behind) > 1 else \
                ("; neither can the element after it" if behind else "")
            findings.warning("unreachable",
                             f"{describe(node)} cannot be reached from any start event, boundary event or "
                             f"event subprocess{after}", node)

    def _walk(self, starts, stop=frozenset()) -> set:
        seen, queue = set(), deque(starts)
        while queue:
            node = queue.popleft()
            if node in seen or node in stop:
                continue
            seen.add(node)
            queue.extend(self.successors(node))
        return seen

    def check_dead_ends(self, findings: Findings) -> None:
        for node in self.nodes:
            if self.doc.outgoing_of(node) or not _needs_outgoing(node, self.doc):
                continue
            findings.warning("dead-end",
                             f"{describe(node)} has no outgoing sequence flow and is not an end event: "
                             "the path stops there", node)

    def check_gateways(self, findings: Findings) -> None:
        """Outgoing flows of exclusive gateways.

        An exclusive gateway's non-default flow without a condition is an error: which
        flow wins would depend on the order of the file. Several flows out of an
        activity or event split (uncontrolled flow), and an inclusive gateway takes
        every unconditioned flow, as in Camunda (engine/implicit.py).
        """
        for node in self.nodes:
            flows = self.doc.outgoing_of(node)
            if len(flows) < 2 or local(node) != "exclusiveGateway":
                continue
            default = (node.get("default") or "").strip()
            bare = [f for f in flows if not _has_condition(f) and (not f.get("id") or f.get("id") != default)]
            for flow in bare:
                findings.error("unconditioned-flow",
                               f"{describe(flow)} leaves {describe(node)} without a condition and is not its "
                               "default flow; which flow the gateway takes would depend on the file's order", flow)
            if bare and not default:
                findings.warning("condition-can-miss",
                                 f"{describe(node)} has outgoing flows without a condition and no default flow: "
                                 "a condition can miss", node)


def _has_condition(flow) -> bool:
    return bool(text_of(flow.find(bpmn("conditionExpression"))))


def _link_name(event):
    for definition in event:
        if definition.tag == bpmn("linkEventDefinition"):
            return definition.get("name") or definition.get("id")
    return None


def _is_exempt(node) -> bool:
    """Compensation handlers are reached through associations, not flows."""
    return is_compensation_handler(node) or any(is_compensation_handler(a) for a in node.iterancestors())


def _needs_outgoing(node, doc: BpmnDocument) -> bool:
    """Whether a node without outgoing flow looks like a mistake.

    Legitimate ends: end events; activities without boundary events (an implicit end,
    the usual last task of an embedded subprocess); event subprocesses; link throws,
    which continue at their catch; compensation; anything inside an ad-hoc subprocess.
    """
    name = local(node)
    if name == "endEvent" or is_event_subprocess(node) or _is_exempt(node):
        return False
    if local(node.getparent()) == "adHocSubProcess":
        return False
    if name == "intermediateThrowEvent" and _link_name(node) is not None:
        return False
    if name == "boundaryEvent" and has_definition(node, "compensateEventDefinition"):
        return False
    if name in ACTIVITIES:
        return bool(node.get("id") and doc.boundaries.get(node.get("id")))
    return True
