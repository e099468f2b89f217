"""The diagram a new process starts from: start → one user task → end, with its layout."""
from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr

from ..errors import ValidationFailed

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-.]{0,79}$")
#: A category is a code or a name people read (民生服务): the last part of the namespace.
_CATEGORY = re.compile(r"^[\w\-]{1,40}$")

_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    id="Defs_{key}" targetNamespace={namespace}>
  <bpmn:process id="{key}" name={name} isExecutable="true">
    <bpmn:startEvent id="start" name="发起">
      <bpmn:outgoing>f_start</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="handle"/>
    <bpmn:userTask id="handle" name="办理">
      <bpmn:incoming>f_start</bpmn:incoming>
      <bpmn:outgoing>f_handle</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f_handle" sourceRef="handle" targetRef="end"/>
    <bpmn:endEvent id="end" name="办结">
      <bpmn:incoming>f_handle</bpmn:incoming>
    </bpmn:endEvent>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_{key}">
    <bpmndi:BPMNPlane id="Plane_{key}" bpmnElement="{key}">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="152" y="102" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="handle_di" bpmnElement="handle"><dc:Bounds x="240" y="80" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="392" y="102" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f_start_di" bpmnElement="f_start"><di:waypoint x="188" y="120"/><di:waypoint x="240" y="120"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f_handle_di" bpmnElement="f_handle"><di:waypoint x="340" y="120"/><di:waypoint x="392" y="120"/></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def blank_process(key: str, name: str, category: str) -> str:
    """Raises ValidationFailed naming the field for a key, name or category that cannot be used."""
    errors = {}
    if not _KEY.match(key or ""):
        errors["key"] = ["letters, digits, _ - . (1-80), starting with a letter or _"]
    if not (name or "").strip() or len(name) > 200:
        errors["name"] = ["1-200 characters"]
    if not _CATEGORY.match(category or ""):
        errors["category"] = ["letters (汉字 too), digits, _ - (1-40)"]
    if errors:
        raise ValidationFailed("the new process cannot be created", errors)
    return _TEMPLATE.format(key=key, name=quoteattr(name.strip()),
                            namespace=quoteattr(f"http://govflow.local/{category}"))
