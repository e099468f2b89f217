"""Camunda's implicit flow semantics, made explicit before SpiffWorkflow parses a diagram.

Camunda 7 runs diagrams that SpiffWorkflow's parser refuses or runs differently:

- several outgoing sequence flows from an activity or event split in parallel
  ("uncontrolled flow"); conditioned ones are taken when their condition holds and
  the activity's ``default`` flow when none does;
- a flow node without outgoing flow ends its path, and a process or subprocess
  without an end event ends when no token is left ("implicit end");
- an inclusive gateway takes every outgoing flow without a condition.

Each is rewritten into the shape SpiffWorkflow runs the same way: a parallel (or,
with conditions, inclusive) gateway after the activity, an end event after the dead
end, a condition ``True`` on the unconditioned flow. Only the in-memory tree of the
parse changes; the stored file keeps what the designer drew. Generated ids end in
``__split`` / ``__end`` so they cannot meet a Modeler id (Modeler ids have one ``_``).
"""
from __future__ import annotations

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_GATEWAYS = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway"}
_CONTAINERS = {"process", "subProcess", "transaction"}
_NOT_FLOW_NODES = {"sequenceFlow", "association", "textAnnotation", "dataObject", "dataObjectReference",
                   "dataStoreReference", "laneSet", "extensionElements", "documentation", "incoming", "outgoing",
                   "ioSpecification", "property", "dataInputAssociation", "dataOutputAssociation",
                   "multiInstanceLoopCharacteristics", "standardLoopCharacteristics", "group", "category"}


def make_explicit(root) -> None:
    """Rewrite every container of the ``definitions`` tree ``root`` in place."""
    for container in list(root.iter(*(f"{{{BPMN_NS}}}{tag}" for tag in _CONTAINERS))):
        _Container(container).rewrite()


def _tag(local: str):
    return f"{{{BPMN_NS}}}{local}"


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


class _Container:
    def __init__(self, container):
        self.container = container
        self.flows = [c for c in container if _local(c) == "sequenceFlow"]
        self.nodes = [c for c in container if isinstance(c.tag, str) and c.get("id")
                      and _local(c) not in _NOT_FLOW_NODES]

    def rewrite(self) -> None:
        for node in self.nodes:
            outgoing = [f for f in self.flows if f.get("sourceRef") == node.get("id")]
            if _local(node) == "inclusiveGateway":
                self._condition_everything(node, outgoing)
            elif _local(node) not in _GATEWAYS and _splits(node, outgoing):
                self._split_after(node, outgoing)
            elif not outgoing and _ends_implicitly(node):
                self._end_after(node)

    def _condition_everything(self, gateway, outgoing) -> None:
        """An unconditioned flow out of an inclusive gateway is always taken."""
        for flow in outgoing:
            if flow.get("id") != gateway.get("default") and not _condition(flow):
                expression = etree.SubElement(flow, _tag("conditionExpression"))
                expression.set(_XSI_TYPE, "bpmn:tFormalExpression")
                expression.text = "True"

    def _split_after(self, node, outgoing) -> None:
        conditional = any(_condition(f) for f in outgoing) or node.get("default")
        gateway = self._add(("inclusiveGateway" if conditional else "parallelGateway"), f"{node.get('id')}__split",
                            after=node)
        if node.get("default"):
            gateway.set("default", node.attrib.pop("default"))
        for flow in outgoing:
            flow.set("sourceRef", gateway.get("id"))
        self._connect(node, gateway)
        if conditional:
            self._condition_everything(gateway, outgoing)

    def _end_after(self, node) -> None:
        end = self._add("endEvent", f"{node.get('id')}__end", after=node)
        self._connect(node, end)

    def _add(self, local: str, element_id: str, after):
        element = etree.Element(_tag(local), id=element_id)
        after.addnext(element)
        element.tail = after.tail
        return element

    def _connect(self, source, target) -> None:
        flow = etree.Element(_tag("sequenceFlow"), id=f"{target.get('id')}_in",
                             sourceRef=source.get("id"), targetRef=target.get("id"))
        target.addnext(flow)
        self.flows.append(flow)


def _condition(flow) -> bool:
    expression = flow.find(_tag("conditionExpression"))
    return expression is not None and bool((expression.text or "").strip())


def _splits(node, outgoing) -> bool:
    """Whether leaving ``node`` is more than following its one unconditioned flow.

    A start event's several flows are already parallel in SpiffWorkflow; boundary and
    other events are rewritten like activities.
    """
    if _local(node) == "startEvent" and not any(_condition(f) for f in outgoing):
        return False
    return len(outgoing) > 1 or any(_condition(f) for f in outgoing)


def _ends_implicitly(node) -> bool:
    """Dead ends Camunda ends the token at; not the elements that end or continue
    another way (end events, link throws, event subprocesses, compensation)."""
    local = _local(node)
    if local == "endEvent":
        return False
    if (node.get("isForCompensation") or "").lower() == "true":
        return False
    if local == "subProcess" and (node.get("triggeredByEvent") or "").lower() == "true":
        return False
    if local == "intermediateThrowEvent" and node.find(_tag("linkEventDefinition")) is not None:
        return False
    if local == "boundaryEvent" and node.find(_tag("compensateEventDefinition")) is not None:
        return False
    return True
