"""GovflowScriptEngine inside real SpiffWorkflow runs: gateways, scripts, DMN, services."""
import functools
import json
import operator
import os
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.util.task import TaskState

from govflow.engine.script_engine import GovflowScriptEngine, SandboxEnvironment, ServiceCallerMissing
from tests.conftest import CORPUS as SHARED  # noqa: E402

CORPUS = SHARED / "spiffworkflow-camunda"
DMN_CASES = [case for case in json.loads((CORPUS / "cases.json").read_text()) if case.get("dmn")] \
    if CORPUS.exists() else []

GATEWAY_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="Review" isExecutable="true">
    <bpmn:startEvent id="Reported"><bpmn:outgoing>toGateway</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="toGateway" sourceRef="Reported" targetRef="Decide" />
    <bpmn:exclusiveGateway id="Decide"><bpmn:incoming>toGateway</bpmn:incoming>
      <bpmn:outgoing>big</bpmn:outgoing><bpmn:outgoing>small</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="big" sourceRef="Decide" targetRef="Escalate">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">
        ${amount &gt; 1000 &amp;&amp; order.urgent}
      </bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="small" sourceRef="Decide" targetRef="Handle">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${!(amount &gt; 1000 &amp;&amp; order.urgent)}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:scriptTask id="Escalate" scriptFormat="python"><bpmn:incoming>big</bpmn:incoming>
      <bpmn:outgoing>e1</bpmn:outgoing><bpmn:script>route = 'street'</bpmn:script></bpmn:scriptTask>
    <bpmn:scriptTask id="Handle" scriptFormat="python"><bpmn:incoming>small</bpmn:incoming>
      <bpmn:outgoing>e2</bpmn:outgoing><bpmn:script>route = 'grid'
steps = [n * 2 for n in range(3)]</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="End1"><bpmn:incoming>e1</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="End2"><bpmn:incoming>e2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="e1" sourceRef="Escalate" targetRef="End1" />
    <bpmn:sequenceFlow id="e2" sourceRef="Handle" targetRef="End2" />
  </bpmn:process>
</bpmn:definitions>"""


def workflow(bpmn_files, dmn_files=(), process="Process_1", engine=None):
    parser = CamundaParser()
    for name in bpmn_files:
        parser.add_bpmn_file(str(CORPUS / name))
    for name in dmn_files:
        parser.add_dmn_file(str(CORPUS / name))
    return BpmnWorkflow(parser.get_spec(process), parser.get_subprocess_specs(process),
                        script_engine=engine or GovflowScriptEngine())


def gateway_workflow(engine=None, script="route = 'grid'"):
    parser = CamundaParser()
    parser.add_bpmn_str(GATEWAY_BPMN.replace("route = 'street'", script).encode())
    return BpmnWorkflow(parser.get_spec("Review"), script_engine=engine or GovflowScriptEngine())


def ready_task(wf, **data):
    task = wf.get_tasks(state=TaskState.READY)[0]
    task.set_data(**data)
    return task


def path(data, dotted):
    for key in dotted.split("."):
        data = data[key]
    return data


@pytest.mark.skipif(not DMN_CASES, reason="shared corpus not available")
@pytest.mark.parametrize("case", DMN_CASES, ids=[case["id"] for case in DMN_CASES])
def test_corpus_dmn_cases(case):
    wf = workflow(case["bpmn"], case["dmn"], case["process"])

    def run():
        for step in case["steps"]:
            if step["op"] == "set_data":
                ready_task(wf, **step["data"])
            else:
                wf.do_engine_steps()

    expect = case["expect"]
    if "error_contains" in expect:
        with pytest.raises(WorkflowTaskException) as caught:
            run()
        assert expect["error_contains"] in str(caught.value)
        return
    run()
    assert wf.is_completed() is expect["completed"]
    if "workflow_data" in expect:
        assert wf.data == expect["workflow_data"]
    if "last_task_data" in expect:
        assert wf.last_task.data == expect["last_task_data"]
    for dotted, value in expect.get("workflow_data_path", {}).items():
        assert path(wf.data, dotted) == value


@pytest.mark.parametrize("amount, urgent, route", [(5000, True, "street"), (5000, False, "grid"), (10, True, "grid")])
def test_juel_gateway_conditions_route_the_case(amount, urgent, route):
    wf = gateway_workflow(script="route = 'street'")
    ready_task(wf, amount=amount, order={"urgent": urgent})
    wf.do_engine_steps()
    assert wf.is_completed() and wf.data["route"] == route


def test_scripts_run_in_the_sandbox_and_leave_only_data():
    wf = gateway_workflow()
    ready_task(wf, amount=1, order={"urgent": False})
    wf.do_engine_steps()
    assert wf.data == {"amount": 1, "order": {"urgent": False}, "route": "grid", "steps": [0, 2, 4]}


def test_refused_script_reports_line_and_task():
    wf = gateway_workflow(script="x = 1\nimport os")
    ready_task(wf, amount=5000, order={"urgent": True})
    with pytest.raises(WorkflowTaskException) as caught:
        wf.do_engine_steps()
    error = caught.value
    assert error.line_number == 2 and error.error_line == "import os"
    assert "import statements are not allowed" in str(error)
    assert error.task.task_spec.bpmn_id == "Escalate"


def test_runtime_error_in_a_script_reports_its_line():
    wf = gateway_workflow(script="x = 1\ny = missing + 1")
    ready_task(wf, amount=5000, order={"urgent": True})
    with pytest.raises(WorkflowTaskException) as caught:
        wf.do_engine_steps()
    assert caught.value.line_number == 2 and caught.value.error_type == "NameError"


@pytest.fixture
def task():
    """A real task of a real workflow, for calling the engine directly."""
    wf = gateway_workflow()
    return ready_task(wf, x=7, amount=1200, urgent=True, category="road")


@pytest.mark.parametrize("expression, expected", [
    ("${x == 7}", True), ("x == 7", True), ("${amount > 1000 && urgent}", True),
    ("${category eq 'road' ? 'A' : 'B'}", "A"), ("Case ${x}", "Case 7"),
    ("${execution.getVariable('x')}", 7),
])
def test_evaluate_accepts_python_and_juel(task, expression, expected):
    assert task.workflow.script_engine.evaluate(task, expression) == expected


def test_untranslatable_juel_is_reported_on_the_task(task):
    with pytest.raises(WorkflowTaskException) as caught:
        task.workflow.script_engine.evaluate(task, "${order.total()}")
    message = str(caught.value)
    assert "Error evaluating expression '${order.total()}'" in message
    assert "method calls are not supported" in message and "position 8" in message
    assert caught.value.task is task


def test_errors_name_the_expression_as_written_and_its_translation(task):
    with pytest.raises(WorkflowTaskException) as caught:
        task.workflow.script_engine.evaluate(task, "${amount > limit}")
    message = str(caught.value)
    assert "Error evaluating expression '${amount > limit}'" in message
    assert "Translated from JUEL to '(amount > limit)'" in message
    assert caught.value.error_type == "NameError"


def test_unsafe_and_endless_expressions_become_task_errors(task):
    engine = task.workflow.script_engine
    with pytest.raises(WorkflowTaskException, match="__class__"):
        engine.evaluate(task, "x.__class__")
    engine.environment.time_limit = 0.2
    with pytest.raises(WorkflowTaskException, match="time limit"):
        engine.evaluate(task, "[a for a in range(10 ** 6) for b in range(10 ** 6)]")


@pytest.mark.parametrize("input_expr, cell, expected", [
    ("x", "7", True), ("x", "3", False),
    ("x", ">= 6", True), ("x", "< 6", False),
    ("category", '"road"', True), ("category", "'water'", False),
    ("x", "1,2", False),            # SpiffWorkflow compares with the tuple, as with plain eval
    ("x", "x", True),               # a cell naming a variable
    ("x", "? > 5 and ? < 10", True),  # '?' stands for the input value
    ("x", None, True),              # '-' and empty cells reach the engine as None: no test
])
def test_dmn_input_cells_work_through_the_sandbox(task, input_expr, cell, expected):
    assert DMNEngine(decision_table=None).evaluate(input_expr, cell, task) is expected


def test_validate_is_what_dmn_uses_to_tell_comparisons_from_values(task):
    engine = task.workflow.script_engine
    engine.validate('"A"')
    engine.validate("${a > 1}")
    with pytest.raises(SyntaxError):
        engine.validate(">= 6")


def test_service_calls_go_to_the_configured_caller(task):
    calls = []
    engine = GovflowScriptEngine(service_caller=lambda data, **kwargs: calls.append((data, kwargs)) or "ok")
    assert engine.call_service(task, handler="notify", element_id="T1") == "ok"
    assert calls == [(task.data, {"handler": "notify", "element_id": "T1"})]


def test_service_call_without_a_caller_is_a_clear_task_error(task):
    with pytest.raises(WorkflowTaskException, match="no service caller is configured") as caught:
        GovflowScriptEngine().call_service(task, handler="notify")
    assert isinstance(caught.value.__cause__, ServiceCallerMissing)


def test_environment_globals_are_offered_to_scripts_but_not_written_back(task):
    # Sandbox children receive offered functions by reference: standard-library ones only.
    engine = GovflowScriptEngine(environment_globals={"add_days": functools.partial(operator.add, 1)})
    engine.execute(task, "later = add_days(x)")
    assert task.data["later"] == 8 and "add_days" not in task.data
    task.data["add_days"] = 1
    with pytest.raises(WorkflowTaskException, match="overwrites predefined"):
        engine.execute(task, "y = 1")


@pytest.mark.parametrize("globals_", [{"os": os}, {"_hidden": len}])
def test_environment_refuses_modules_and_private_names(globals_):
    with pytest.raises(ValueError, match="cannot be offered"):
        SandboxEnvironment(globals_)
