"""Case handling: the deployment itself — lint, diagram, decision tables, forms."""
import re

import pytest
from lxml import etree

from govflow.database import commit, writing
from govflow.definitions.service import deploy
from govflow.forms import get_form
from govflow.tasks import get_handler
from tests.processes.test_case_handling_helpers import PROCESSES, case_deployed, case_files  # noqa: F401

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
LANES = {"lane_resident": "居民", "lane_grid": "网格员", "lane_community": "社区",
         "lane_department": "职能部门", "lane_street": "街道督办"}


def _tree():
    return etree.fromstring((PROCESSES / "case_handling.bpmn").read_bytes())


def test_deploys_alone_without_problems(case_deployed):
    assert case_deployed.process_keys == ["case_handling"] and case_deployed.warnings == []


def test_every_element_and_flow_is_drawn():
    root = _tree()
    shapes = {s.get("bpmnElement") for s in root.iter(f"{DI}BPMNShape")}
    edges = {e.get("bpmnElement") for e in root.iter(f"{DI}BPMNEdge")}
    process = root.find(f"{BPMN}process")
    flows = {f.get("id") for f in process.iter(f"{BPMN}sequenceFlow")}
    nodes = {el.get("id") for el in process.iter() if isinstance(el.tag, str) and el.get("id")
             and el.tag.startswith(BPMN) and not el.tag.endswith(("sequenceFlow", "laneSet", "process"))
             and el.getparent().tag in (f"{BPMN}process", f"{BPMN}subProcess", f"{BPMN}laneSet")}
    assert nodes - shapes == set() and flows - edges == set()
    assert "Participant_case_handling" in shapes


def test_lanes_name_the_roles_and_hold_every_top_level_node():
    process = _tree().find(f"{BPMN}process")
    lanes = {lane.get("id"): lane for lane in process.iter(f"{BPMN}lane")}
    assert {k: v.get("name") for k, v in lanes.items()} == LANES
    in_lanes = {ref.text for lane in lanes.values() for ref in lane.iter(f"{BPMN}flowNodeRef")}
    top = {el.get("id") for el in process if el.get("id") and el.tag not in
           (f"{BPMN}sequenceFlow", f"{BPMN}laneSet", f"{BPMN}documentation")}
    assert top == in_lanes
    assert {ref.text for ref in lanes["lane_street"].iter(f"{BPMN}flowNodeRef")} >= {"supervise"}


def test_user_tasks_speak_camunda_with_chinese_names_and_known_forms():
    process = _tree().find(f"{BPMN}process")
    tasks = list(process.iter(f"{BPMN}userTask"))
    assert len(tasks) == 9
    for task in tasks:
        assert re.search(r"[\u4e00-\u9fff]", task.get("name")), task.get("id")
        assert task.get(f"{CAMUNDA}candidateGroups") and task.get(f"{CAMUNDA}dueDate"), task.get("id")
        key = task.get(f"{CAMUNDA}formKey")
        assert key.startswith("case.") and get_form(key) is not None, task.get("id")
    for service in process.iter(f"{BPMN}serviceTask"):
        name = re.match(r"\$\{(\w+)\}", service.get(f"{CAMUNDA}delegateExpression")).group(1)
        assert get_handler(name) is not None, service.get("id")


def test_conditions_are_juel():
    conditions = [c.text for c in _tree().iter(f"{BPMN}conditionExpression")]
    assert conditions and all(c.startswith("${") and c.endswith("}") for c in conditions)
    assert "${!accepted}" in conditions and "${!check_passed}" in conditions


def test_redeploying_the_same_files_keeps_the_version(case_deployed):
    with writing():
        again = deploy(case_files())
        commit()
    assert again.created == [] and again.versions == {"case_handling": 1}


_PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs_probe" targetNamespace="http://govflow.test">
  <bpmn:process id="case_rules_probe" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="limits"/>
    <bpmn:businessRuleTask id="limits" camunda:decisionRef="case_response_limits"/>
    <bpmn:sequenceFlow id="f2" sourceRef="limits" targetRef="deadlines"/>
    <bpmn:businessRuleTask id="deadlines" camunda:decisionRef="case_department_deadlines"/>
    <bpmn:sequenceFlow id="f3" sourceRef="deadlines" targetRef="routing"/>
    <bpmn:businessRuleTask id="routing" camunda:decisionRef="case_department_routing"/>
    <bpmn:sequenceFlow id="f4" sourceRef="routing" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def rules(org):
    """Evaluates the three decision tables of processes/ through a probe process."""
    from govflow.instances.service import start_instance
    files = {n: d for n, d in case_files().items() if n.endswith(".dmn")}
    with writing():
        deploy({**files, "case_rules_probe.bpmn": _PROBE.encode()})
        commit()

    def decide(category, urgency="normal"):
        with writing():
            probe = start_instance("case_rules_probe", "grid_yg_1", {"category": category, "urgency": urgency,
                                                                     "suggested_departments": []})
            commit()
        return probe.variables
    return decide


@pytest.mark.parametrize("urgency, limit, reminder", [("urgent", "PT2H", "PT1H"), ("normal", "PT24H", "PT12H")])
def test_response_limits_by_urgency(rules, urgency, limit, reminder):
    decided = rules("road", urgency)
    assert (decided["response_limit"], decided["response_reminder"]) == (limit, reminder)
    assert decided["rating_wait"] == "P3D" and decided["max_reopens"] == 1


@pytest.mark.parametrize("category, urgency, accept, deadline", [
    ("road", "normal", "PT4H", "P5D"), ("greening", "normal", "PT4H", "P5D"), ("safety", "normal", "PT2H", "P1D"),
    ("sanitation", "normal", "PT4H", "P2D"), ("noise", "normal", "PT4H", "P3D"),
    ("property", "normal", "PT8H", "P7D"), ("other", "normal", "PT8H", "P10D"), ("property", "urgent", "PT1H", "P1D"),
])
def test_department_deadlines_by_category(rules, category, urgency, accept, deadline):
    decided = rules(category, urgency)
    assert (decided["dept_accept_limit"], decided["dept_deadline"]) == (accept, deadline)


@pytest.mark.parametrize("category, departments", [
    ("road", ["dept_urban"]), ("construction", ["dept_urban", "dept_housing"]), ("property", ["dept_housing"]),
    ("market", ["dept_market"]), ("noise", ["dept_env"]), ("other", []),
])
def test_departments_suggested_by_category(rules, category, departments):
    assert rules(category)["suggested_departments"] == departments
