"""Small diagrams as Camunda Modeler writes them, for the Camunda-semantics tests.

A test writes only the process body (``bpmn:`` elements and flows, ``camunda:``
attributes); :func:`diagram` wraps it in Modeler's ``definitions`` and adds the
diagram interchange (a shape per flow node, an edge per sequence flow, laid out left
to right), so that each fixture also opens in Camunda Modeler.
"""
from __future__ import annotations

import io

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
         '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
         'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
         'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
         'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
         'xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="Definitions_{pid}" '
         'targetNamespace="http://bpmn.io/schema/bpmn" exporter="Camunda Modeler" exporterVersion="5.20.0" '
         'modeler:executionPlatform="Camunda Platform" modeler:executionPlatformVersion="7.20.0">\n')
_SIZES = {"startEvent": (36, 36), "endEvent": (36, 36), "intermediateCatchEvent": (36, 36),
          "intermediateThrowEvent": (36, 36), "boundaryEvent": (36, 36), "exclusiveGateway": (50, 50),
          "parallelGateway": (50, 50), "inclusiveGateway": (50, 50), "eventBasedGateway": (50, 50)}
_NOT_SHAPES = {"sequenceFlow", "conditionExpression", "extensionElements", "multiInstanceLoopCharacteristics",
               "incoming", "outgoing", "documentation", "timerEventDefinition", "messageEventDefinition",
               "completionCondition", "loopCardinality", "timeDuration", "timeCycle", "timeDate",
               "errorEventDefinition", "signalEventDefinition", "terminateEventDefinition"}


def diagram(process_id: str, body: str, *, name: str | None = None, extra: str = "") -> bytes:
    """A Modeler-style BPMN file with one executable process ``process_id``.

    ``extra`` is placed beside the process (message or error definitions).
    """
    process = (f'  <bpmn:process id="{process_id}" name="{name or process_id}" isExecutable="true">\n'
               f'{body}\n  </bpmn:process>\n')
    semantic = _HEAD.format(pid=process_id) + extra + process + "</bpmn:definitions>\n"
    root = etree.parse(io.BytesIO(semantic.encode())).getroot()
    di = _layout(root.find(f"{{{BPMN}}}process"), process_id)
    return (_HEAD.format(pid=process_id) + extra + process + di + "</bpmn:definitions>\n").encode()


def chain(*nodes: str, start: str = "StartEvent_1", end: str = "EndEvent_1") -> str:
    """A process body: a start event, ``nodes`` (each an element's XML) one after the
    other, an end event, and the sequence flows ``Flow_0``… between them."""
    ids = [start] + [n.split('id="', 1)[1].split('"', 1)[0] for n in nodes] + [end]
    flows = "".join(f'<bpmn:sequenceFlow id="Flow_{i}" sourceRef="{a}" targetRef="{b}" />'
                    for i, (a, b) in enumerate(zip(ids, ids[1:])))
    return f'<bpmn:startEvent id="{start}" />{"".join(nodes)}<bpmn:endEvent id="{end}" />{flows}'


def _layout(process, process_id: str) -> str:
    bounds: dict[str, tuple[int, int, int, int]] = {}
    shapes, edges = [], []
    column = {"x": 160}

    def place(container, y: int) -> None:
        for el in container:
            kind = etree.QName(el).localname if isinstance(el.tag, str) else ""
            if not kind or kind in _NOT_SHAPES or not el.get("id"):
                continue
            if kind == "boundaryEvent":
                continue
            width, height = _SIZES.get(kind, (100, 80))
            if kind in ("subProcess", "transaction"):
                start = column["x"]
                column["x"] += 40
                place(el, y + 40)
                width, height = column["x"] - start + 20, 240
                bounds[el.get("id")] = (start, y, width, height)
                shapes.append(_shape(el.get("id"), start, y, width, height, expanded=True))
                column["x"] += 60
                continue
            bounds[el.get("id")] = (column["x"], y + (80 - height) // 2, width, height)
            shapes.append(_shape(el.get("id"), *bounds[el.get("id")]))
            column["x"] += width + 60

    place(process, 80)
    for boundary in process.iter(f"{{{BPMN}}}boundaryEvent"):
        x, y, width, height = bounds.get(boundary.get("attachedToRef"), (160, 80, 100, 80))
        bounds[boundary.get("id")] = (x + width - 50, y + height - 18, 36, 36)
        shapes.append(_shape(boundary.get("id"), *bounds[boundary.get("id")]))
    for flow in process.iter(f"{{{BPMN}}}sequenceFlow"):
        source, target = bounds.get(flow.get("sourceRef")), bounds.get(flow.get("targetRef"))
        if source and target:
            edges.append(f'      <bpmndi:BPMNEdge id="{flow.get("id")}_di" bpmnElement="{flow.get("id")}">\n'
                         f'        <di:waypoint x="{source[0] + source[2]}" y="{source[1] + source[3] // 2}" />\n'
                         f'        <di:waypoint x="{target[0]}" y="{target[1] + target[3] // 2}" />\n'
                         '      </bpmndi:BPMNEdge>')
    return ('  <bpmndi:BPMNDiagram id="BPMNDiagram_1">\n'
            f'    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="{process_id}">\n'
            + "\n".join(shapes + edges) + "\n    </bpmndi:BPMNPlane>\n  </bpmndi:BPMNDiagram>\n")


def _shape(element_id: str, x: int, y: int, width: int, height: int, expanded: bool = False) -> str:
    flag = ' isExpanded="true"' if expanded else ""
    return (f'      <bpmndi:BPMNShape id="{element_id}_di" bpmnElement="{element_id}"{flag}>\n'
            f'        <dc:Bounds x="{x}" y="{y}" width="{width}" height="{height}" />\n'
            '      </bpmndi:BPMNShape>')


def dmn(decision_id: str, output: str, rows: list[tuple[str, str]], *, name: str | None = None) -> bytes:
    """A Modeler-style DMN 1.3 decision table on input ``category``: (input entry, output entry) rows."""
    rules = "".join(
        f'      <rule id="Rule_{n}"><inputEntry id="In_{n}"><text>{when}</text></inputEntry>'
        f'<outputEntry id="Out_{n}"><text>{then}</text></outputEntry></rule>\n'
        for n, (when, then) in enumerate(rows))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" '
            'xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/" '
            'xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" '
            f'id="Definitions_{decision_id}" name="DRD" namespace="http://camunda.org/schema/1.0/dmn" '
            'exporter="Camunda Modeler" exporterVersion="5.20.0">\n'
            f'  <decision id="{decision_id}" name="{name or decision_id}">\n'
            '    <decisionTable id="DecisionTable_1">\n'
            '      <input id="Input_1" label="category"><inputExpression id="InputExpression_1" typeRef="string">'
            '<text>category</text></inputExpression></input>\n'
            f'      <output id="Output_1" name="{output}" typeRef="string" />\n'
            + rules +
            '    </decisionTable>\n  </decision>\n'
            '  <dmndi:DMNDI><dmndi:DMNDiagram id="DMNDiagram_1">'
            f'<dmndi:DMNShape id="DMNShape_1" dmnElementRef="{decision_id}">'
            '<dc:Bounds height="80" width="180" x="160" y="100" /></dmndi:DMNShape>'
            '</dmndi:DMNDiagram></dmndi:DMNDI>\n</definitions>\n').encode()
