"""Bare SpiffWorkflow: the same diagram, the same steps, no platform.

The diagram is parsed by govflow's CamundaParser subclass and expressions run in
govflow's script engine (JUEL translated to Python, sandboxed): the same cost any
Camunda diagram needs on this engine, so the comparison measures the platform, not
the dialect. Service tasks get the results the platform's handlers returned in the
recording run (benchmarks/scenario.py), so every gateway takes the same branch.

One step = what a stateless service on the bare engine does per request: restore the
workflow from JSON (SpiffWorkflow's own ``BpmnWorkflowSerializer``, spec included, as
the library documents), complete the user task with the form data, run engine steps,
list the ready user tasks, serialize to JSON again. Variants: ``memory`` (no round
trip), ``state_json`` (the platform's spec-less serializer) and ``state_json_compact``
(plus the platform's history compaction): the engine's share of a platform step.
"""
from __future__ import annotations

import json
import time
from collections import Counter

from .harness import part_main, summary_ms
from .scenario import Scenario, load

MODES = ("library_json", "memory", "state_json", "state_json_compact")


class Replay:
    """Service caller that returns the recorded handler results, call by call.

    Calls are matched by (handler, element); a key called more often than recorded
    gets its last recorded result again (later rework rounds)."""

    def __init__(self, calls: list):
        self.results: dict[tuple, list[str]] = {}
        for handler, element_id, result in calls:
            self.results.setdefault((handler, element_id), []).append(result)
        self.cursor: Counter = Counter()

    def __call__(self, context, handler, element_id, properties=None, **_):
        key = (handler, element_id)
        recorded = self.results.get(key)
        if not recorded:
            raise RuntimeError(f"no recorded result for handler {handler} at {element_id}")
        result = recorded[min(self.cursor[key], len(recorded) - 1)]
        self.cursor[key] += 1
        return json.loads(result)


class BareEngine:
    """One diagram on bare SpiffWorkflow, with a JSON round trip per step (by ``mode``)."""

    def __init__(self, scenario: Scenario, mode: str = "library_json"):
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
        from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG

        from govflow import engine
        from govflow.engine.script_engine import GovflowScriptEngine, SandboxEnvironment
        from govflow.engine.specs import SPEC_CONVERTERS
        from govflow.tasks import handler_names
        bundle = engine.parse_bundles(scenario.file_bytes(), handler_names=handler_names())[scenario.process_key]
        self.spec, self.subprocess_specs = bundle.spec, bundle.subprocess_specs
        self.bundle = bundle
        self.environment = SandboxEnvironment(service_caller=None)
        self.script_engine = GovflowScriptEngine(environment=self.environment)
        self.script_engine.max_multi_instance = 1000
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure({**DEFAULT_CONFIG,
                                                                                  **SPEC_CONVERTERS}))
        self.mode = mode

    def start(self, variables: dict, replay: Replay):
        from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
        from SpiffWorkflow.util.task import TaskState
        self.environment.service_caller = replay
        workflow = BpmnWorkflow(self.spec, self.subprocess_specs, script_engine=self.script_engine)
        workflow.task_tree.data.update(variables)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(variables)
        workflow.do_engine_steps()
        return self.dump(workflow)

    def step(self, state, element_id: str, data: dict, replay: Replay):
        """Complete the ready user task ``element_id``; returns (new state, ready element ids)."""
        from SpiffWorkflow.util.task import TaskState
        self.environment.service_caller = replay
        workflow = self.load(state)
        task = next((t for t in self.ready_tasks(workflow) if t.task_spec.bpmn_id == element_id), None)
        if task is None:
            raise RuntimeError(f"no ready task {element_id} (the engine stalled)")
        task.data.update(data)
        task.run()
        workflow.do_engine_steps()
        ready = [t.task_spec.bpmn_id for t in self.ready_tasks(workflow)]
        assert task.state == TaskState.COMPLETED
        return self.dump(workflow), ready

    @staticmethod
    def ready_tasks(workflow):
        from SpiffWorkflow.util.task import TaskState
        return [t for wf in (workflow, *workflow.subprocesses.values())
                for t in wf.get_tasks(state=TaskState.READY, manual=True)]

    def dump(self, workflow):
        if self.mode == "memory":
            return workflow
        if self.mode == "library_json":
            return self.serializer.serialize_json(workflow)
        from govflow.engine.serialization import dump_state
        if self.mode == "state_json_compact":
            from govflow.engine.compaction import compact
            compact(workflow)
        return dump_state(workflow)

    def load(self, state):
        if self.mode == "memory":
            return state
        if self.mode == "library_json":
            workflow = self.serializer.deserialize_json(state)
        else:
            from govflow.engine.serialization import load_state
            workflow = load_state(state, self.bundle)
        workflow.script_engine = self.script_engine
        return workflow


def main_path(scenario: Scenario, instances: int, mode: str) -> dict:
    """All instances step by step, interleaved as in the platform parts."""
    bare = BareEngine(scenario, mode)
    variables = {**scenario.start_variables, "org_unit": scenario.org_unit}
    data = scenario.step_data["main"]
    replays = [Replay(scenario.handler_calls["main"]) for _ in range(instances)]
    states = [bare.start(variables, r) for r in replays]
    times: dict[str, list[float]] = {}
    cpu = 0.0
    for index, step in enumerate(scenario.main):
        for i in range(instances):
            started, cpu_started = time.perf_counter(), time.thread_time()
            states[i], _ = bare.step(states[i], step.element_id, data[index], replays[i])
            times.setdefault(step.element_id, []).append(time.perf_counter() - started)
            cpu += time.thread_time() - cpu_started
    every = [t for values in times.values() for t in values]
    out = summary_ms(every)
    out["steps_per_s"] = round(1 / (sum(every) / len(every)), 2)
    out["cpu_ms_mean"] = round(cpu / len(every) * 1000, 3)
    out["per_element"] = {k: summary_ms(v) for k, v in times.items()}
    if mode != "memory":
        out["state_bytes_last"] = len(states[0])
    return out


def history(scenario: Scenario, rounds: int, mode: str = "library_json") -> dict:
    """One instance through ``rounds`` rework rounds, every step timed; stops (and says
    so) if the engine stalls."""
    bare = BareEngine(scenario, mode)
    replay = Replay(scenario.handler_calls["history"])
    data = scenario.step_data["history"]
    prefix, per_round = len(scenario.prefix), len(scenario.rework)
    state = bare.start({**scenario.start_variables, "org_unit": scenario.org_unit}, replay)
    for index, step in enumerate(scenario.prefix):
        state, _ = bare.step(state, step.element_id, data[index], replay)
    points, stalled = [], None
    for round_no in range(1, rounds + 1):
        for offset, step in enumerate(scenario.rework):
            # recorded rounds: 2; later rounds reuse the second round's form data
            recorded = data[prefix + per_round * min(round_no - 1, 1) + offset]
            started = time.perf_counter()
            try:
                state, _ = bare.step(state, step.element_id, recorded, replay)
            except RuntimeError as exc:
                stalled = {"round": round_no, "element_id": step.element_id, "error": str(exc)}
                break
            points.append([round_no, step.element_id, round(time.perf_counter() - started, 6)])
        if stalled:
            break
    return {"mode": mode, "rounds": rounds, "points": points, "stalled": stalled,
            "state_bytes_last": len(state) if isinstance(state, str) else None}


def run(scale, _db) -> dict:
    scenario = load()
    result = {"scenario": scenario.name, "instances": scale.instances, "modes": {}}
    for mode in MODES:
        main_path(scenario, 2, mode)  # warm-up: imports, expression caches
        result["modes"][mode] = main_path(scenario, scale.instances, mode)
    return result


if __name__ == "__main__":
    part_main(run)
