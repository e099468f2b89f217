"""One engine instance stepped as the platform steps it (act, run, compact, dump to JSON
and load back), for the compaction tests; and the task tree's well-formedness check."""
from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from govflow.engine.compaction import compact

SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))


def assert_well_formed(workflow):
    """Every task hangs once off its root, links agree, parents precede children."""
    for wf in [workflow, *workflow.subprocesses.values()]:
        order = {task_id: index for index, task_id in enumerate(wf.tasks)}
        seen, stack = set(), [wf.task_tree]
        while stack:
            task = stack.pop()
            seen.add(task.id)
            for child in task.children:
                assert child._parent == task.id and order[child.id] > order[task.id]
                stack.append(child)
        assert seen == set(wf.tasks)
        if wf is not workflow:
            assert workflow.get_task_from_id(wf.parent_task_id) is not None


class Run:
    """One process instance, stepped like the platform steps it."""

    def __init__(self, files, process=None, collaboration=None, dmn=(), data=None,
                 compacting=True, roundtrip=True, script_engine=None):
        parser = CamundaParser()
        parser.add_bpmn_files([str(f) for f in files])
        for path in dmn:
            parser.add_dmn_file(str(path))
        if collaboration:
            spec, subprocess_specs = parser.get_collaboration(collaboration)
        else:
            spec, subprocess_specs = parser.get_spec(process), parser.get_subprocess_specs(process)
        self.workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
        self.workflow.task_tree.data.update(data or {})
        self.compacting, self.roundtrip, self.script_engine = compacting, roundtrip, script_engine
        self.path, self.json_size, self.labels = [], 0, {}

    def step(self, action=None):
        if action is not None:
            action()
        self.workflow.do_engine_steps(did_complete_task=lambda t: self.path.append(t.task_spec.name))
        if self.compacting:
            compact(self.workflow)
            assert compact(self.workflow) == 0, "compaction is idempotent"
            assert_well_formed(self.workflow)
        if self.roundtrip:
            dumped = SERIALIZER.serialize_json(self.workflow)
            self.json_size = len(dumped)
            self.workflow = SERIALIZER.deserialize_json(dumped)
            if self.script_engine is not None:
                self.workflow.script_engine = self.script_engine

    def ready(self, manual=True):
        return [t for t in self.workflow.get_tasks(state=TaskState.READY)
                if manual is None or t.task_spec.manual == manual]

    def find_ready(self, spec_name, manual=True):
        matches = [t for t in self.ready(manual) if t.task_spec.name == spec_name]
        assert matches, f"{spec_name} is not ready; ready: {[t.task_spec.name for t in self.ready(None)]}"
        return matches[0]

    def complete(self, spec_name, label=None, **data):
        task = self.find_ready(spec_name)
        if label:
            self.labels[label] = task.id

        def act():
            task.data.update(data)
            task.run()
            self.path.append(spec_name)
        self.step(act)

    def send(self, name, payload, result_var=None, engine=True):
        event = BpmnEvent(MessageEventDefinition(name), {"payload": payload, "result_var": result_var})
        if engine:
            self.step(lambda: self.workflow.catch(event))
        else:
            self.workflow.catch(event)

    def tick(self):
        self.step(self.workflow.refresh_timers)

    def task_count(self):
        wf = self.workflow
        return len(wf.tasks) + sum(len(sp.tasks) for sp in wf.subprocesses.values())

    def latest(self, spec_name):
        tasks = self.workflow.get_tasks(spec_name=spec_name, state=TaskState.COMPLETED)
        return max(tasks, key=lambda t: t.last_state_change)
