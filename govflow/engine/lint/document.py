"""An index over one parsed BPMN file that the rule modules share.

Built once per file so that every rule looks elements up by id and follows sequence
flows without re-walking the tree. Sequence flows without an ``id`` are legal (the
platform names them at deployment), so flows are kept as elements, never keyed by id.
"""
from __future__ import annotations

from collections import defaultdict

from lxml import etree

from .model import bpmn, has_document_id, is_bpmn, local, ref

EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
          "boundaryEvent", "implicitThrowEvent"}
CONTAINERS = {"subProcess", "transaction", "adHocSubProcess"}
ACTIVITIES = {"task", "userTask", "manualTask", "serviceTask", "sendTask", "receiveTask",
              "scriptTask", "businessRuleTask", "callActivity"} | CONTAINERS
GATEWAYS = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway",
            "complexGateway"}
FLOW_NODES = EVENTS | ACTIVITIES | GATEWAYS


class BpmnDocument:
    """Elements of one BPMN file, indexed.

    ``by_id`` keeps the first element of each id (duplicates are reported by the
    structure rules); ``outgoing``/``incoming`` map a node id to the sequence flows
    whose ``sourceRef``/``targetRef`` name it.
    """

    def __init__(self, name: str, tree: etree._ElementTree):
        self.name = name
        self.root = tree.getroot()
        self.elements = list(self.root.iter(etree.Element))
        self.by_id: dict[str, etree._Element] = {}
        for el in self.elements:
            el_id = el.get("id")
            if el_id and el_id not in self.by_id and has_document_id(el):
                self.by_id[el_id] = el
        self.flows = [el for el in self.elements if el.tag == bpmn("sequenceFlow")]
        self.outgoing: dict[str, list] = defaultdict(list)
        self.incoming: dict[str, list] = defaultdict(list)
        for flow in self.flows:
            if source := ref(flow.get("sourceRef")):
                self.outgoing[source].append(flow)
            if target := ref(flow.get("targetRef")):
                self.incoming[target].append(flow)
        self.boundaries: dict[str, list] = defaultdict(list)
        for el in self.elements:
            if el.tag == bpmn("boundaryEvent") and (host := ref(el.get("attachedToRef"))):
                self.boundaries[host].append(el)
        self.processes = self.root.findall(bpmn("process"))
        self.executable_processes = [p for p in self.processes if is_executable(p)]

    def lookup(self, value: str | None):
        """The element an id reference points to, or ``None``."""
        key = ref(value)
        return self.by_id.get(key) if key else None

    def outgoing_of(self, node) -> list:
        return self.outgoing.get(node.get("id"), []) if node.get("id") else []

    def incoming_of(self, node) -> list:
        return self.incoming.get(node.get("id"), []) if node.get("id") else []

    def executable_elements(self):
        """Every element inside an executable process: what the engine will run."""
        for process in self.executable_processes:
            yield from process.iter(etree.Element)


def is_executable(process) -> bool:
    # SpiffWorkflow and Camunda both treat a missing isExecutable as executable.
    return (process.get("isExecutable") or "true").strip().lower() != "false"


def is_flow_node(el) -> bool:
    return is_bpmn(el) and local(el) in FLOW_NODES


def event_definitions(event) -> list:
    return [child for child in event if is_bpmn(child) and local(child).endswith("EventDefinition")]


def has_definition(event, kind: str) -> bool:
    return any(local(d) == kind for d in event_definitions(event))


def is_event_subprocess(el) -> bool:
    return local(el) == "subProcess" and (el.get("triggeredByEvent") or "").lower() == "true"


def is_compensation_handler(el) -> bool:
    return (el.get("isForCompensation") or "").lower() == "true"
