"""Structural rules: ids, references, and what a deployment must contain.

Every reference is resolved within its own file (BPMN ids are document-scoped); call
activities and decision references are resolved across the whole deployment plus what
is already deployed.
"""
from __future__ import annotations

from lxml import etree

from ..versions import BINDINGS, binding_of
from .document import ACTIVITIES, GATEWAYS, BpmnDocument, event_definitions, is_flow_node
from .model import (
    BPMNDI_NS,
    Findings,
    LintContext,
    bpmn,
    camunda,
    describe,
    has_document_id,
    is_bpmn,
    is_juel,
    local,
    namespace,
    ref,
    text_of,
)

# (element, attribute, kinds it must point to) for references whose target must exist.
_REQUIRED_REFS = (
    ("sequenceFlow", "sourceRef", None),
    ("sequenceFlow", "targetRef", None),
    ("boundaryEvent", "attachedToRef", ACTIVITIES),
)
_OPTIONAL_REFS = (
    ("messageEventDefinition", "messageRef", {"message"}),
    ("receiveTask", "messageRef", {"message"}),
    ("sendTask", "messageRef", {"message"}),
    ("signalEventDefinition", "signalRef", {"signal"}),
    ("errorEventDefinition", "errorRef", {"error"}),
    ("escalationEventDefinition", "escalationRef", {"escalation"}),
    ("participant", "processRef", {"process"}),
)


#: Names SpiffWorkflow gives its own task specs inside every process: an element with
#: one of these ids replaces the engine's start or end task and the process silently
#: never starts or never ends.
_RESERVED_IDS = {"Start", "End", "Root"}
_RESERVED_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin", ".BoundaryEventParent")
#: The platform's columns for element ids and message names (120) and element names
#: (200): a longer value would fail the step that stores it, so it is refused here.
MAX_ID, MAX_NAME, MAX_MESSAGE_NAME = 120, 200, 120
#: Elements Camunda 7 does not execute either; SpiffWorkflow would fail on them at run time.
_UNSUPPORTED = {"adHocSubProcess": "ad-hoc subprocesses", "complexGateway": "complex gateways"}


def check_ids(elements, findings: Findings) -> None:
    """Every duplicate id is reported, naming the line of the first use and of this one;
    so is every id the engine uses itself, and every element Camunda 7 does not run."""
    first: dict[str, etree._Element] = {}
    for el in elements:
        if is_bpmn(el) and local(el) in _UNSUPPORTED:
            findings.error("unsupported-element", f"{describe(el)}: {_UNSUPPORTED[local(el)]} are not executed "
                           "(neither by Camunda 7); model the steps with gateways or a subprocess", el)
        _check_lengths(el, findings)
        el_id = el.get("id")
        if not el_id or not has_document_id(el):
            continue
        if is_bpmn(el) and local(el) != "definitions" and (
                el_id in _RESERVED_IDS or el_id.endswith(_RESERVED_SUFFIXES)):
            findings.error("reserved-id", f"{local(el)} id '{el_id}' is a name the engine uses for its own "
                           f"steps; rename the element (e.g. '{el_id}_1')", el)
        if el_id in first:
            original = first[el_id]
            findings.error(
                "duplicate-id",
                f"id '{el_id}' is used by {local(original)} at line {original.sourceline} and again by "
                f"{local(el)} at line {el.sourceline}; ids must be unique within a file", el)
        else:
            first[el_id] = el


def _check_lengths(el, findings: Findings) -> None:
    if not is_bpmn(el):
        return
    limits = [("id", MAX_ID), ("name", MAX_MESSAGE_NAME if local(el) == "message" else MAX_NAME)]
    for attr, limit in limits:
        value = el.get(attr) or ""
        if len(value) > limit:
            findings.error("too-long", f"{local(el)} {attr} '{value[:40]}…' has {len(value)} characters; "
                           f"the limit is {limit}", el)


def check_references(doc: BpmnDocument, findings: Findings) -> None:
    for el in doc.elements:
        if is_bpmn(el):
            _check_bpmn_refs(doc, el, findings)
        elif namespace(el) == BPMNDI_NS and el.get("bpmnElement") is not None:
            if doc.lookup(el.get("bpmnElement")) is None:
                findings.warning(
                    "dangling-di-reference",
                    f"diagram element {describe(el)} draws bpmnElement '{el.get('bpmnElement')}', "
                    "but no element has that id", el)


def _check_bpmn_refs(doc: BpmnDocument, el, findings: Findings) -> None:
    name = local(el)
    # Event definitions are named after their event: "boundaryEvent 'late'" says more
    # than a generated "TimerEventDefinition_0x1".
    subject = el.getparent() if name.endswith("EventDefinition") else el
    for tag, attr, kinds in _REQUIRED_REFS:
        if name != tag:
            continue
        if not ref(el.get(attr)):
            findings.error("missing-reference", f"{describe(el)} has no {attr}", subject, el)
        else:
            _resolve(doc, el, subject, attr, kinds, findings)
    for tag, attr, kinds in _OPTIONAL_REFS:
        if name == tag and ref(el.get(attr)):
            _resolve(doc, el, subject, attr, kinds, findings)
    if name == "boundaryEvent" and not event_definitions(el):
        findings.error("missing-event-definition",
                       f"{describe(el)} has no event definition (timer, message, error …), so nothing can "
                       "trigger it", el)
    if el.get("default") is not None and (name in GATEWAYS or name in ACTIVITIES):
        _check_default(doc, el, findings)
    if name == "flowNodeRef" and doc.lookup(text_of(el)) is None:
        lane = el.getparent()
        findings.warning("dangling-lane-reference",
                         f"{describe(lane)} lists flowNodeRef '{text_of(el)}', but no element has that id",
                         lane, el)


def _resolve(doc, el, subject, attr, kinds, findings) -> None:
    target = doc.lookup(el.get(attr))
    where = describe(subject) if subject is el else f"{local(el)} of {describe(subject)}"
    if target is None:
        findings.error("dangling-reference",
                       f"{where} has {attr} '{el.get(attr)}', but no element has that id", subject, el)
    elif kinds is not None and local(target) not in kinds:
        findings.error("dangling-reference",
                       f"{where} has {attr} '{el.get(attr)}', which is a {local(target)}, "
                       f"not a {' or '.join(sorted(kinds))}", subject, el)
    elif kinds is None and not is_flow_node(target):
        findings.error("dangling-reference",
                       f"{where} has {attr} '{el.get(attr)}', which is a {local(target)}, not a flow node",
                       subject, el)
    elif kinds is None and target.getparent() is not el.getparent():
        findings.error("cross-scope-flow",
                       f"{where} has {attr} '{el.get(attr)}', which is in {describe(target.getparent())}, not in "
                       f"{describe(el.getparent())}; a sequence flow cannot cross a process or subprocess boundary",
                       subject, el)


def _check_default(doc, el, findings) -> None:
    flow = doc.lookup(el.get("default"))
    if flow is None or flow.tag != bpmn("sequenceFlow"):
        findings.error("dangling-reference",
                       f"{describe(el)} names default flow '{el.get('default')}', but no sequenceFlow has that id",
                       el)
    elif ref(flow.get("sourceRef")) != el.get("id"):
        findings.error("default-flow-mismatch",
                       f"{describe(el)} names default flow '{el.get('default')}', which leaves "
                       f"'{flow.get('sourceRef')}', not this element", el)


def check_flow_lists(doc: BpmnDocument, findings: Findings) -> None:
    """``incoming``/``outgoing`` children are redundant; warn when they contradict the flows.

    A node that lists none is left alone (hand-written BPMN often omits them), and
    flows without an id cannot be listed, so they are not expected in the lists.
    """
    for el in doc.elements:
        if not is_flow_node(el) or not el.get("id"):
            continue
        for direction, actual in (("incoming", doc.incoming_of(el)), ("outgoing", doc.outgoing_of(el))):
            listed = {text_of(c) for c in el if c.tag == bpmn(direction)}
            if not listed:
                continue
            expected = {f.get("id") for f in actual if f.get("id")}
            extra, missing = sorted(listed - expected), sorted(expected - listed)
            detail = []
            if extra:
                detail.append(f"lists {direction} {', '.join(extra)}, but no such sequence flow "
                              f"{_verb(direction)}s it")
            if missing:
                detail.append(f"does not list {direction} {', '.join(missing)}")
            if detail:
                findings.warning("flow-list-mismatch", f"{describe(el)} {'; it '.join(detail)}", el)


def _verb(direction: str) -> str:
    return "enter" if direction == "incoming" else "leave"


def check_processes(doc: BpmnDocument, findings: Findings) -> None:
    if not doc.executable_processes:
        findings.error("no-executable-process",
                       f"{doc.name} has no executable process (every process has isExecutable=\"false\" "
                       "or there is none), so nothing could be started", doc.root)
    for process in doc.executable_processes:
        if not any(child.tag == bpmn("startEvent") for child in process):
            findings.error("no-start-event", f"process '{process.get('id')}' has no start event", process)
        # SpiffWorkflow runs embedded (and event) subprocesses and transactions as
        # sub-workflows with exactly one start event, as Camunda does. One without an
        # end event ends when no token is left (engine/implicit.py).
        for container in process.iter(bpmn("subProcess"), bpmn("transaction")):
            starts = sum(child.tag == bpmn("startEvent") for child in container)
            if starts != 1:
                findings.error("subprocess-start-event",
                               f"{describe(container)} has {starts} start events; the engine needs exactly one",
                               container)


def check_calls(doc: BpmnDocument, process_ids: set[str], decision_ids: set[str],
                ctx: LintContext, findings: Findings) -> None:
    """Call activities and business rule tasks must name something that will exist.

    ``process_ids``/``decision_ids`` are those of the whole deployment; what is already
    deployed comes from the context. Expression-valued references resolve at run time
    and are left to the runtime.
    """
    own_process_ids = process_ids
    process_ids = process_ids | ctx.known_process_ids
    decision_ids = decision_ids | ctx.known_decision_ids
    for el in doc.executable_elements():
        if el.tag == bpmn("callActivity"):
            called = (el.get("calledElement") or "").strip()
            if not called:
                findings.error("missing-called-element", f"{describe(el)} has no calledElement", el)
            elif not _check_binding(el, called, own_process_ids, findings) or is_juel(called):
                continue
            elif called not in process_ids:
                findings.error("unknown-called-element",
                               f"{describe(el)} calls process '{called}', which is neither in this "
                               "deployment nor already deployed", el)
        elif el.tag == bpmn("businessRuleTask"):
            decision = (el.get(camunda("decisionRef")) or "").strip()
            if decision and not is_juel(decision) and decision not in decision_ids:
                findings.error("unknown-decision",
                               f"{describe(el)} names decision '{decision}' in camunda:decisionRef, which is "
                               "neither in this deployment's DMN files nor already deployed", el)



def _check_binding(el, called: str, own_process_ids: set[str], findings: Findings) -> bool:
    """camunda:calledElementBinding: latest (default), deployment or version.

    Returns False when a problem was reported (no further check of the call).
    """
    binding, version = binding_of(el)
    if binding not in BINDINGS:
        findings.error("unsupported-binding",
                       f"{describe(el)} has camunda:calledElementBinding=\"{binding}\"; GovFlow binds a call to "
                       "the latest version, the version deployed with it, or a numbered version "
                       "(latest, deployment, version)", el)
        return False
    if binding == "version" and not (version or "").isdigit():
        findings.error("invalid-called-version",
                       f"{describe(el)} is bound to a version but camunda:calledElementVersion is "
                       f"'{version or ''}', not a version number", el)
        return False
    if binding == "deployment" and not is_juel(called) and called not in own_process_ids:
        findings.error("unknown-called-element",
                       f"{describe(el)} is bound to the deployment but process '{called}' is not in it", el)
        return False
    return True
