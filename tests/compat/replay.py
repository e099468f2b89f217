"""Replaying a case of ``spiffworkflow-camunda/cases.json`` through the platform.

The cases were transcribed from SpiffWorkflow's own tests, which drive the engine
directly. Here each step becomes what a platform user or system does:

| op | through the platform |
|---|---|
| ``set_data`` | start variables of ``start_instance`` (root or task data alike) |
| ``engine`` | start the instance; afterwards a no-op, every change runs the engine |
| ``complete``, ``complete_all``, ``answer_ready``, ``run_all_ready`` | ``complete_task`` as the administrator |
| ``catch_message`` | ``deliver_message`` by instance id; ``payload`` lands in ``result_var`` |
| ``reset_to`` | ``operations.move_to_step`` (退回) to the recorded step |
| ``sleep_refresh`` | ``worker --once --now`` a far-future instant |
| ``expect_ready`` | the open human tasks; per-task data via ``operations.task_variables`` |
| ``expect_form`` | ``forms.validation.describe`` of the open task (what the API shows) |
| ``run_spec`` | nothing to run: the engine already ran it; its data is checked |
| ``expect_task_count`` | not replayed, see :data:`NOT_REPLAYED` |

``engine: false`` (do not run the engine after the op) cannot be honoured: the one
change path always runs the engine. That changes nothing a person sees, as the engine
only runs automatic steps, except where a case counts ready engine tasks
(``expect_ready`` with ``user_only: false``): the platform has run those already, and
:data:`ADJUSTED` says what it shows instead. A complete op that submits keys the
task's form does not declare is recorded in ``Replay.dropped`` (the platform keeps
only declared form fields).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from govflow.database import commit, writing
from govflow.forms.validation import describe
from govflow.identity.service import get_user
from govflow.instances.operations import move_to_step, task_variables
from govflow.worklist.models import HumanTask

from .drive import (
    CORPUS,
    complete,
    deploy_files,
    events,
    incidents,
    instance,
    open_tasks,
    send,
    start,
    worker,
)

SPIFF = CORPUS / "spiffworkflow-camunda"
CASES = json.loads((SPIFF / "cases.json").read_text()) if SPIFF.is_dir() else []

#: Ops whose subject the platform does not expose, with the reason.
NOT_REPLAYED = {
    "expect_task_count": "the size of SpiffWorkflow's task tree is an engine internal; the platform compacts "
                         "the tree after every step (engine/compaction.py) and shows human tasks only",
}

#: Steps the platform shows differently, by (case id, step index): the fields that
#: replace the case's, and why.
ADJUSTED = {
    ("external_message_boundary", 6): (
        {"user_only": True, "count": 1, "tasks": ["Activity_147sm5j"]},
        "the case holds the 'reset' boundary event back (engine: false) and counts it with the user task "
        "before run_spec runs it; the platform runs it on delivery, so the one open task is "
        "Activity_147sm5j, ready again after ResetVars"),
    ("message_boundary_interrupt", 1): (
        {"user_only": False, "count": 1, "tasks": ["Activity_Interrupt"]},
        "the manualTask 'Do Work' passes straight through, as in Camunda (SpiffWorkflow waits at it), so the "
        "one ready task is the user task; the subprocess loops on its timer until the message interrupts it"),
}


def case_files(case: dict) -> dict[str, bytes]:
    """The case's BPMN (globs allowed) and DMN files, named by their path in the folder."""
    paths = [p for pattern in case["bpmn"] for p in sorted(SPIFF.glob(pattern))]
    paths += [SPIFF / name for name in case.get("dmn", [])]
    return {str(p.relative_to(SPIFF)): p.read_bytes() for p in paths}


def element_of(spec_name: str) -> str:
    """``any_task [child]`` (a multi-instance child's spec) → the element ``any_task``."""
    return spec_name.split(" [", 1)[0]


@dataclass
class Replay:
    app: object
    case: dict
    start_variables: dict = field(default_factory=dict)
    instance_id: int | None = None
    #: record_as label → element id, for reset_to.
    labels: dict = field(default_factory=dict)
    #: Human tasks completed, in order (element ids).
    path: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    #: (element id, key) of values submitted to a form that does not declare the key.
    dropped: set = field(default_factory=set)

    def run(self) -> Replay:
        deploy_files(case_files(self.case))
        for index, op in enumerate(self.case["steps"]):
            replaced, _why = ADJUSTED.get((self.case["id"], index), ({}, None))
            op = {**op, **replaced}
            getattr(self, "op_" + op["op"])(op)
        self.started()
        return self

    # -- the instance ----------------------------------------------------------
    def started(self) -> int:
        if self.instance_id is None:
            key = self.case.get("process") or self.case["collaboration"]
            self.instance_id = start(key, self.start_variables)
        return self.instance_id

    def tasks(self, element_id: str | None = None) -> list[HumanTask]:
        rows = open_tasks(self.started())
        return [t for t in rows if element_id is None or t.element_id == element_id]

    def variables(self) -> dict:
        return instance(self.started()).variables or {}

    def status(self) -> str:
        return instance(self.started()).status

    def incident_messages(self) -> list[str]:
        return [i.message for i in incidents(self.started())]

    def _complete(self, task: HumanTask, data: dict | None) -> None:
        declared = {f["id"] for f in describe(task.form_key, task.form_fields or [])}
        if declared:
            self.dropped |= {(task.element_id, key) for key in (data or {}) if key not in declared}
        complete(task, data or {}, fill_form=False)
        self.path.append(task.element_id)

    def _complete_open(self, answers: dict) -> None:
        """Complete every task open now, in order. Each completion runs the engine, so
        a task the previous one cancelled (an interrupting message) is skipped, as it
        vanishes from the worklist."""
        for task_id in [t.id for t in self.tasks()]:
            still_open = [t for t in self.tasks() if t.id == task_id]
            if still_open:
                self._complete(still_open[0], answers.get(still_open[0].element_id))

    # -- ops -------------------------------------------------------------------
    def op_set_data(self, op):
        assert self.instance_id is None, "set_data after start"
        self.start_variables.update(op["data"])

    def op_engine(self, op):
        self.started()

    def op_complete(self, op):
        tasks = self.tasks(op["task"])
        assert tasks, f"{op['task']} is not open; open: {[t.element_id for t in self.tasks()]}"
        if op.get("record_as"):
            self.labels[op["record_as"]] = op["task"]
        self._complete(tasks[0], op["data"])

    def op_complete_all(self, op):
        element_id = element_of(op["task"])
        for _ in range(op["count"]):
            task = self.tasks(element_id)[0]
            seen = task_variables(task.id)
            # data_expr is the case's own arithmetic over the data the task shows.
            self._complete(task, {k: eval(v, {}, dict(seen)) for k, v in op["data_expr"].items()})

    def op_expect_ready(self, op):
        tasks = self.tasks()
        by = {(t.name if op.get("attr") == "bpmn_name" else t.element_id): t for t in tasks}
        if "tasks" in op:
            assert sorted(by) == sorted(op["tasks"])
        if "count" in op:
            # user_only: false also counts ready engine tasks; the platform has run those.
            assert len(tasks) == op["count"], [t.element_id for t in tasks]
        for name, expected in op.get("data", {}).items():
            assert expected.items() <= task_variables(by[name].id).items(), name

    def op_catch_message(self, op):
        send(self.started(), op["name"], {op["result_var"]: op["payload"]})

    def op_reset_to(self, op):
        with writing():
            move_to_step(self.started(), self.labels[op["label"]], get_user("admin").id,
                         reason=f"case {self.case['id']}: back to {op['label']}")
            commit()

    def op_answer_ready(self, op):
        self._complete_open(op["answers"])

    def op_run_all_ready(self, op):
        self._complete_open(op["data_by_task"])
        if self.status() == "active":
            worker(self.app)

    def op_sleep_refresh(self, op):
        worker(self.app)

    def op_run_spec(self, op):
        assert op["expect_data"].items() <= self.variables().items()

    def op_expect_form(self, op):
        task = self.tasks(op["task"])[0]
        assert task.form_key == op["key"]
        shown = {f["id"]: f for f in describe(task.form_key, task.form_fields)}
        stored = {f["id"]: f for f in task.form_fields}
        for field_id, expected in op["fields"].items():
            assert shown[field_id]["type"] == expected["type"]
            assert len(shown[field_id]["options"]) == expected["n_options"]
            # describe() reports constraints as numbers; the diagram's text is kept on the task.
            assert {k: str(v) for k, v in shown[field_id]["constraints"].items()} == expected["validation"]
            assert stored[field_id]["validation"] == expected["validation"]
            # Only a property named 'help' is shown with the field; the task keeps every property.
            assert stored[field_id]["properties"] == expected["properties"]

    def op_expect_task_count(self, op):
        self.skipped.append(op["op"])

    def audit_path(self) -> list[str]:
        """Completed human tasks in order, as the audit trail records them."""
        return [e.element_id for e in events(self.started(), "task_completed")]
