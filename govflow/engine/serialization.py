"""Workflow state without its specs.

SpiffWorkflow's serializer writes the whole process spec into every saved
state. The platform keeps specs once per deployed version (parsed and cached in
memory), so a saved state holds only the task tree and data: smaller rows and a
faster load on every step.
"""
from __future__ import annotations

import json
import threading
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG as CAMUNDA_CONFIG

from .specs import SPEC_CONVERTERS

STATE_FORMAT = "govflow-1"
#: The spec bundle of the state being restored (converters take no extra arguments).
_restoring = threading.local()


class _StatelessSpecWorkflowConverter(BpmnWorkflowConverter):
    """Writes a workflow without ``spec``/``subprocess_specs``; reads them from a bundle."""


    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        bundle = _restoring.bundle
        workflow = self.target_class(bundle.spec, bundle.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _build_registry():
    config = dict(CAMUNDA_CONFIG)
    config.update(SPEC_CONVERTERS)
    registry = BpmnWorkflowSerializer.configure(config)
    return registry


_spec_registry = _build_registry()
_state_registry = _build_registry()
_StatelessSpecWorkflowConverter(BpmnWorkflow, _state_registry)
spec_serializer = BpmnWorkflowSerializer(_spec_registry)
_state_serializer = BpmnWorkflowSerializer(_state_registry)


def dump_state(workflow: BpmnWorkflow) -> str:
    registry = _state_serializer.registry
    registry._encoder_mode = True
    try:
        dct = registry.convert(workflow)
        dct["format"] = STATE_FORMAT
        return json.dumps(dct, cls=_state_serializer._encoder_cls, separators=(",", ":"))
    finally:
        registry._encoder_mode = False


def load_state(text: str, bundle) -> BpmnWorkflow:
    dct = json.loads(text)
    dct.pop("format", None)
    _restoring.bundle = bundle
    try:
        return _state_serializer.registry.restore(dct)
    finally:
        _restoring.bundle = None


def dump_specs(spec, subprocess_specs: dict, meta: dict | None = None) -> str:
    """Specs as JSON, plus ``meta``: what the platform reads from the diagram beside
    the engine (start form, initiator variable)."""
    registry = spec_serializer.registry
    return json.dumps({
        "spec": registry.convert(spec),
        "subprocess_specs": {k: registry.convert(v) for k, v in subprocess_specs.items()},
        "meta": meta or {},
    }, separators=(",", ":"))


def load_specs(text: str):
    dct = json.loads(text)
    registry = spec_serializer.registry
    return (registry.restore(dct["spec"]),
            {k: registry.restore(v) for k, v in dct["subprocess_specs"].items()},
            dct.get("meta") or {})
