"""A ready user task described for the platform: who may take it (assignee, candidate
users and groups, a scope org unit), by when (due and follow-up dates), its priority
and its Camunda form fields. The assignment attributes may be JUEL (``${…}``),
evaluated against the task's data when the task becomes ready."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from . import durations
from .specs import GovUserTask


@dataclass
class ReadyUserTask:
    engine_task_id: str
    element_id: str
    name: str
    lane: str | None
    form_key: str | None
    form_fields: list[dict]
    documentation: str | None
    assignee: str | None = None
    candidate_users: list[str] = field(default_factory=list)
    candidate_groups: list[str] = field(default_factory=list)
    due_at: datetime | None = None
    follow_up_at: datetime | None = None
    priority: int = 50
    scope: str | None = None


def describe_ready(task, script_engine, now: datetime) -> ReadyUserTask:
    """``task`` (READY, manual) as a :class:`ReadyUserTask`; raises what evaluating a
    bad assignment or due-date expression raises."""
    spec = task.task_spec
    form = getattr(spec, "form", None)
    ready = ReadyUserTask(
        engine_task_id=str(task.id), element_id=spec.bpmn_id or spec.name,
        name=spec.bpmn_name or spec.bpmn_id or spec.name, lane=spec.lane,
        form_key=(form.key or None) if form else None,
        form_fields=_form_fields(form, task, script_engine), documentation=spec.documentation)
    assignment = getattr(spec, "assignment", {}) if isinstance(spec, GovUserTask) else {}
    assignment = assignment or getattr(_inner_spec(spec), "assignment", {})
    if assignment:
        value = lambda key: _evaluate_text(task, script_engine, assignment.get(key))  # noqa: E731
        ready.assignee = _scalar(value("assignee"))
        ready.candidate_users = _split(value("candidate_users"))
        ready.candidate_groups = _split(value("candidate_groups"))
        ready.scope = _scalar(value("scope"))
        if assignment.get("due_date"):
            ready.due_at = durations.resolve_deadline(value("due_date"), now)
        if assignment.get("follow_up_date"):
            ready.follow_up_at = durations.resolve_deadline(value("follow_up_date"), now)
        if assignment.get("priority"):
            ready.priority = int(value("priority"))
    return ready


def _evaluate_text(task, script_engine, text):
    """Literal text as is; JUEL (``${…}``) evaluated against the task's data."""
    if text is None or ("${" not in text and "#{" not in text):
        return text
    return script_engine.evaluate(task, text)


def _inner_spec(spec):
    return getattr(spec, "task_spec", None) and spec.wf_spec.task_specs.get(spec.task_spec)


def _split(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _scalar(value):
    return None if value in (None, "") else str(value)


def _form_fields(form, task, script_engine) -> list[dict]:
    """The Camunda form fields; a default written as ``${…}`` is evaluated against the
    task's data now (in the sandbox, like every expression), as Camunda does."""
    if form is None:
        return []
    fields = []
    for f in form.fields:
        default = _evaluate_text(task, script_engine, f.default_value) if f.default_value else None
        fields.append({
            "id": f.id, "type": f.type, "label": f.label or f.id,
            "default": default if isinstance(default, (str, int, float, bool, type(None))) else str(default),
            "options": [{"id": o.id, "name": o.name} for o in getattr(f, "options", [])],
            "validation": {v.name: v.config for v in f.validation},
            "properties": {p.id: p.value for p in f.properties},
        })
    return fields
