"""Flow the way Camunda 7 runs it: pass-through tasks, uncontrolled flow, inclusive
gateways without conditions, implicit ends. Each diagram is deployed over REST and
driven to its end."""
from __future__ import annotations

from .drive import drive, instance, start
from .modeler import diagram
from .test_versions import deploy_rest

_USER = 'camunda:candidateGroups="grid_worker"'


def _flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}" />'
    return (f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
            f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>'
            '</bpmn:sequenceFlow>')


def _run(app, api_as, key: str, body: str, variables: dict | None = None):
    answer = deploy_rest(api_as("designer"), {f"{key}.bpmn": diagram(key, body)})
    assert answer.status_code == 201, answer.json
    instance_id = start(key, variables)
    walk = drive(app, instance_id)
    assert instance(instance_id).status == "completed", walk
    return walk


def test_abstract_and_manual_tasks_pass_straight_through(app, api_as):
    walk = _run(app, api_as, "pass_through", f'''
    <bpmn:startEvent id="StartEvent_1" />
    {_flow("F1", "StartEvent_1", "Prepare")}
    <bpmn:task id="Prepare" name="Prepare the file" />
    {_flow("F2", "Prepare", "Sign")}
    <bpmn:manualTask id="Sign" name="Sign on paper" />
    {_flow("F3", "Sign", "Check")}
    <bpmn:userTask id="Check" {_USER} />
    {_flow("F4", "Check", "EndEvent_1")}
    <bpmn:endEvent id="EndEvent_1" />''')
    assert walk.path == ["Check"]


def test_several_flows_out_of_a_task_split_and_each_arrival_starts_the_next(app, api_as):
    walk = _run(app, api_as, "uncontrolled", f'''
    <bpmn:startEvent id="StartEvent_1" />
    {_flow("F1", "StartEvent_1", "Accept")}
    <bpmn:userTask id="Accept" {_USER} />
    {_flow("F2", "Accept", "Photos")}
    {_flow("F3", "Accept", "Survey")}
    <bpmn:userTask id="Photos" {_USER} />
    <bpmn:userTask id="Survey" {_USER} />
    {_flow("F4", "Photos", "Report")}
    {_flow("F5", "Survey", "Report")}
    <bpmn:userTask id="Report" {_USER} />
    {_flow("F6", "Report", "EndEvent_1")}
    <bpmn:endEvent id="EndEvent_1" />''')
    assert walk.path[0] == "Accept" and sorted(walk.path[1:3]) == ["Photos", "Survey"]
    assert walk.path[3:] == ["Report", "Report"]


def _conditional_out_of_a_task() -> str:
    return f'''
    <bpmn:startEvent id="StartEvent_1" />
    {_flow("F1", "StartEvent_1", "Assess")}
    <bpmn:task id="Assess" default="F4" />
    {_flow("F2", "Assess", "Escalate", "${urgent}")}
    {_flow("F3", "Assess", "Log")}
    {_flow("F4", "Assess", "Queue")}
    <bpmn:userTask id="Escalate" {_USER} />
    <bpmn:userTask id="Log" {_USER} />
    <bpmn:userTask id="Queue" {_USER} />'''


def test_conditional_flows_out_of_an_activity_and_its_default(app, api_as):
    # No end event either: each path ends where it stops.
    body = _conditional_out_of_a_task()
    assert sorted(_run(app, api_as, "conditional", body, {"urgent": True}).path) == ["Escalate", "Log"]
    assert sorted(_run(app, api_as, "conditional", body, {"urgent": False}).path) == ["Log"]


def test_an_inclusive_gateway_takes_every_unconditioned_flow(app, api_as):
    body = f'''
    <bpmn:startEvent id="StartEvent_1" />
    {_flow("F1", "StartEvent_1", "Fork")}
    <bpmn:inclusiveGateway id="Fork" />
    {_flow("Always", "Fork", "Record")}
    {_flow("Large", "Fork", "Review", "${amount > 100}")}
    {_flow("Huge", "Fork", "Board", "${amount > 1000}")}
    <bpmn:userTask id="Record" {_USER} />
    <bpmn:userTask id="Review" {_USER} />
    <bpmn:userTask id="Board" {_USER} />
    {_flow("J1", "Record", "Join")}
    {_flow("J2", "Review", "Join")}
    {_flow("J3", "Board", "Join")}
    <bpmn:inclusiveGateway id="Join" />
    {_flow("F2", "Join", "Close")}
    <bpmn:userTask id="Close" {_USER} />
    {_flow("F3", "Close", "EndEvent_1")}
    <bpmn:endEvent id="EndEvent_1" />'''
    walk = _run(app, api_as, "inclusive", body, {"amount": 500})
    assert sorted(walk.path[:2]) == ["Record", "Review"] and walk.path[2:] == ["Close"]


def test_processes_and_subprocesses_without_end_events_end_when_no_token_is_left(app, api_as):
    walk = _run(app, api_as, "implicit_end", f'''
    <bpmn:startEvent id="StartEvent_1" />
    {_flow("F1", "StartEvent_1", "Inquiry")}
    <bpmn:subProcess id="Inquiry">
      <bpmn:startEvent id="StartEvent_2" />
      {_flow("F2", "StartEvent_2", "Visit")}
      <bpmn:userTask id="Visit" {_USER} />
    </bpmn:subProcess>
    {_flow("F3", "Inquiry", "Decide")}
    <bpmn:userTask id="Decide" {_USER} />''')
    assert walk.path == ["Visit", "Decide"]


def _multi_instance(activity: str, sequential: bool, condition: str) -> str:
    loop = (f'<bpmn:multiInstanceLoopCharacteristics isSequential="{str(sequential).lower()}" '
            'camunda:collection="${reviewers}" camunda:elementVariable="reviewer">'
            f'<bpmn:completionCondition xsi:type="bpmn:tFormalExpression">{condition}</bpmn:completionCondition>'
            '</bpmn:multiInstanceLoopCharacteristics>')
    if activity == "subProcess":
        inner = (f'<bpmn:subProcess id="Review">{loop}<bpmn:startEvent id="StartEvent_2" />'
                 f'{_flow("S1", "StartEvent_2", "Vote")}<bpmn:userTask id="Vote" {_USER} />'
                 f'{_flow("S2", "Vote", "EndEvent_2")}<bpmn:endEvent id="EndEvent_2" /></bpmn:subProcess>')
    else:
        inner = f'<bpmn:userTask id="Vote" {_USER}>{loop}</bpmn:userTask>'
    first = "Review" if activity == "subProcess" else "Vote"
    return f'''
    <bpmn:startEvent id="StartEvent_1" />
    {_flow("F1", "StartEvent_1", first)}
    {inner}
    {_flow("F2", first, "Close")}
    <bpmn:userTask id="Close" {_USER} />
    {_flow("F3", "Close", "EndEvent_1")}
    <bpmn:endEvent id="EndEvent_1" />'''


def test_multi_instance_completion_conditions_count_instances(app, api_as):
    reviewers = {"reviewers": ["a", "b", "c", "d"]}
    # Parallel: two of four votes are enough; the other two are withdrawn.
    parallel = _multi_instance("userTask", False, "${nrOfCompletedInstances &gt;= 2 &amp;&amp; nrOfInstances == 4}")
    assert _run(app, api_as, "mi_parallel", parallel, reviewers).path == ["Vote", "Vote", "Close"]
    # nrOfActiveInstances: stop when at most one vote is still open.
    active = _multi_instance("userTask", False, "${nrOfActiveInstances &lt;= 1}")
    assert _run(app, api_as, "mi_active", active, reviewers).path == ["Vote", "Vote", "Vote", "Close"]
    sequential = _multi_instance("userTask", True, "${nrOfCompletedInstances == 1}")
    assert _run(app, api_as, "mi_sequential", sequential, reviewers).path == ["Vote", "Close"]
    subprocess = _multi_instance("subProcess", False, "${nrOfCompletedInstances / nrOfInstances &gt;= 0.5}")
    assert _run(app, api_as, "mi_subprocess", subprocess, reviewers).path == ["Vote", "Vote", "Close"]
