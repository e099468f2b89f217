"""Version compare looks at the model, not at how the file was written."""
from __future__ import annotations

from govflow.designer.diff import compare

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<{d} xmlns{p}="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="x">')


def diagram(style: str, *, due="P3D", x=100, note="核实现场情况") -> str:
    """The same process written two ways: ``tight`` (bpmn: prefix, one line) or ``loose``
    (default namespace, indented, attributes in another order)."""
    if style == "tight":
        b = "bpmn:"
        return (HEAD.format(d="bpmn:definitions", p=":bpmn") +
                f'<bpmn:process id="p" isExecutable="true" name="流程">'
                f'<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
                f'<bpmn:userTask id="verify" name="核实" camunda:candidateGroups="grid_worker" camunda:dueDate="{due}">'
                f'<bpmn:documentation>{note}</bpmn:documentation>'
                f'<bpmn:extensionElements><camunda:properties><camunda:property name="scope" value="grid"/>'
                f'</camunda:properties></bpmn:extensionElements>'
                f'<bpmn:incoming>f1</bpmn:incoming></bpmn:userTask>'
                f'<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="verify">'
                f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">ok == True</bpmn:conditionExpression>'
                f'</bpmn:sequenceFlow></bpmn:process>'
                f'<bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="pl" bpmnElement="p">'
                f'<bpmndi:BPMNShape id="verify_di" bpmnElement="verify"><dc:Bounds x="{x}" y="80" width="100" height="80"/>'
                f'</bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram></{b}definitions>')
    return (HEAD.format(d="definitions", p="") + f'''
  <process isExecutable="true" name="流程" id="p">
    <startEvent id="start">
      <outgoing>f1</outgoing>
    </startEvent>
    <userTask camunda:dueDate="{due}" camunda:candidateGroups="grid_worker" name="核实" id="verify">
      <documentation>
        {note}
      </documentation>
      <extensionElements>
        <camunda:properties>
          <camunda:property value="grid" name="scope" />
        </camunda:properties>
      </extensionElements>
      <incoming>f1</incoming>
    </userTask>
    <sequenceFlow targetRef="verify" sourceRef="start" id="f1">
      <conditionExpression xsi:type="tFormalExpression">ok == True</conditionExpression>
    </sequenceFlow>
  </process>
  <bpmndi:BPMNDiagram id="d">
    <bpmndi:BPMNPlane id="pl" bpmnElement="p">
      <bpmndi:BPMNShape id="Activity_0x1_di" bpmnElement="verify">
        <dc:Bounds x="{x}" y="80" width="100" height="80" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</definitions>''')


def test_writing_the_same_model_another_way_is_no_change():
    assert compare(diagram("tight"), diagram("loose")) == []


def test_a_real_change_is_still_found_whatever_the_writing():
    [change] = compare(diagram("tight"), diagram("loose", due="P5D"))
    assert (change.element_id, change.change, change.details) == (
        "verify", "changed", [("camunda:dueDate", "P3D", "P5D")])
    [change] = compare(diagram("tight"), diagram("loose", note="核实并拍照"))
    assert (change.element_id, change.details[0][0]) == ("verify", "documentation")


def test_a_moved_shape_is_layout_not_a_change():
    [change] = compare(diagram("tight"), diagram("loose", x=300))
    assert (change.element_id, change.change, change.details) == ("verify", "layout", [])
