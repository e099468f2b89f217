"""The behavioural cases of ``spiffworkflow-camunda/cases.json``, replayed through the
platform (see :mod:`.replay` for how each op maps onto a platform action).

Expectations compare with what the platform exposes: ``ProcessInstance.variables``
(the process data after the last step; once completed, the process's final data)
and the incident of a failed step. Documented differences:

- ``workflow_data``, ``last_task_data`` and ``workflow_data_path`` are checked as a
  subset: the platform adds ``org_unit`` (the instance's org unit code) to every
  instance's variables;
- ``path`` is read from the audit trail (``task_completed`` events): only human tasks
  are steps there, engine tasks are not;
- ``error_contains`` is checked against the incident, which the instance keeps open
  for an administrator instead of raising to the caller;
- a task with a form stores only the fields its form declares (the server validates
  every submission against the form, DESIGN.md). The SpiffWorkflow tests write other
  keys straight into task data; :data:`FORM_DROPPED` lists each such value, which must
  be absent from the platform's variables and is left out of the comparison;
- a message from outside carries variables, not a bare payload: a case's
  ``payload`` for ``result_var`` is delivered as ``{result_var: payload}``, which the
  platform merges into the process data as Camunda's correlation does;
- form metadata is read as the API shows it (``describe``): constraints are numbers
  and only a ``help`` property is shown; the task row keeps the diagram's text;
- steps the platform shows differently are in ``replay.ADJUSTED``, ops it does not
  expose in ``replay.NOT_REPLAYED``, each with its reason.
"""
from __future__ import annotations

import pytest

from .replay import CASES, NOT_REPLAYED, Replay

_FIRST = "First's form (GWForm) declares only do_step"
#: Values a case submits to a form that does not declare them: case id → {(element, key): reason}.
FORM_DROPPED: dict[str, dict[tuple[str, str], str]] = {
    **{case_id: {("First", "First"): _FIRST} for case_id in (
        "reset_into_subprocess", "reset_parallel_matrix_completed", "reset_parallel_matrix_partial",
        "reset_nested_parallel_completed", "reset_nested_parallel_partial")},
    "skip_parallel_false": {
        ("UserTask_0fd3nql", "p1"): "Task P1's form declares interview and interaction fields, not p1",
        ("UserTask_1k9gxsc", "p2"): "Task P2's form declares supply and PPE fields, not p2",
    },
}
#: Cases that cannot pass through the platform because of a deliberate difference.
_ABSTRACT = ("any_task is an abstract bpmn:task, which Camunda and GovFlow pass straight through; the "
             "SpiffWorkflow case completes each instance by hand (output_item * 2), so there is no task to complete")
XFAIL: dict[str, str] = {"mi_parallel_cardinality": _ABSTRACT, "mi_parallel_collection": _ABSTRACT}


def _params():
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, raises=(AssertionError, IndexError), reason=XFAIL[case["id"]])] \
            if case["id"] in XFAIL else []
        yield pytest.param(case, id=case["id"], marks=marks)


def _dotted(data, path: str):
    for key in path.split("."):
        data = data[key]
    return data


@pytest.mark.skipif(not CASES, reason="shared corpus not mounted")
@pytest.mark.parametrize("case", list(_params()))
def test_case_replays_through_the_platform(app, org, case):
    replay = Replay(app, case).run()
    expect = case["expect"]
    if "error_contains" in expect:
        assert replay.status() == "error"
        assert any(expect["error_contains"] in m for m in replay.incident_messages()), replay.incident_messages()
        return
    assert replay.incident_messages() == []
    if "completed" in expect:
        assert (replay.status() == "completed") == expect["completed"]
    variables = replay.variables()
    dropped = FORM_DROPPED.get(case["id"], {})
    assert replay.dropped == set(dropped)
    assert not {key for _, key in dropped} & set(variables)
    for name in ("workflow_data", "last_task_data"):
        expected = {k: v for k, v in expect.get(name, {}).items() if k not in {key for _, key in dropped}}
        assert expected.items() <= variables.items(), name
    for path, value in expect.get("workflow_data_path", {}).items():
        assert _dotted(variables, path) == value, path
    if "path" in expect:
        assert [e for e in replay.audit_path() if e in expect["path"]] == expect["path"]
    assert replay.audit_path() == replay.path
    assert set(replay.skipped) <= set(NOT_REPLAYED)
