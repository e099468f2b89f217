"""The Camunda dialect: roles, forms and handlers named by a diagram must exist.

Each registry check runs only when the context supplies that registry. Whether a
service task names an implementation at all is checked always: without one the engine
refuses the diagram.

Handler names, in the order the engine tries them (govflow/engine/parser.py keeps the
same mapping; both must agree or a diagram passes here and fails at deployment):

- ``camunda:type="external" camunda:topic="notify"`` → ``notify``
- ``camunda:delegateExpression="${notify}"`` → ``notify``
- ``camunda:expression="${notify.send(case)}"`` or ``"${notify}"`` → ``notify``
- ``camunda:class="com.acme.NotifyResidentDelegate"`` → ``notify_resident_delegate``,
  then without a ``_delegate``/``_handler``/``_task`` suffix ``notify_resident``, then
  lowerCamel ``notifyResidentDelegate``. So ``com.x.NotifyDelegate`` tries
  ``notify_delegate``, ``notify``, ``notifyDelegate``.
"""
from __future__ import annotations

import re

from .document import BpmnDocument
from .model import Findings, LintContext, bpmn, camunda, describe, is_juel, local, split_list

_NAME = re.compile(r"^\s*[#$]\{\s*([A-Za-z_][A-Za-z0-9_]*)")
_CLASS_SUFFIXES = ("_delegate", "_handler", "_task")
_HANDLER_TASKS = {"serviceTask", "sendTask", "businessRuleTask"}
_ASSIGNMENT_CHILDREN = {"potentialOwner", "humanPerformer", "performer"}
#: Camunda's built-in form field types, plus the custom ones the platform renders
#: (``textarea``: a string on several lines). Any other custom type would need a
#: Java FormType plugin in Camunda; here it would silently become a string.
FORM_FIELD_TYPES = {"string", "long", "boolean", "date", "enum", "textarea"}


def class_candidates(class_name: str) -> list[str]:
    simple = class_name.strip().rsplit(".", 1)[-1]
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", simple).lower()
    names = [snake]
    names += [snake[: -len(suffix)] for suffix in _CLASS_SUFFIXES if snake.endswith(suffix)]
    names.append(simple[:1].lower() + simple[1:])
    return names


def handler_reference(task) -> tuple[str, str, list[str]] | None:
    """``(attribute, value, candidate names)`` for the handler a task names, or ``None``.

    An empty name list means the attribute is there but names nothing usable.
    """
    get = lambda attr: (task.get(camunda(attr)) or "").strip()  # noqa: E731
    if get("type") == "external":
        return "camunda:topic", get("topic"), [get("topic")] if get("topic") else []
    for attr in ("delegateExpression", "expression"):
        if get(attr):
            match = _NAME.match(get(attr))
            return f"camunda:{attr}", get(attr), [match.group(1)] if match else []
    if get("class"):
        return "camunda:class", get("class"), class_candidates(get("class"))
    return None


def check_camunda(doc: BpmnDocument, ctx: LintContext, findings: Findings) -> None:
    for el in doc.executable_elements():
        name = local(el)
        if name == "userTask":
            _check_assignment(el, findings)
        if name in ("userTask", "process"):
            attr = "candidateGroups" if name == "userTask" else "candidateStarterGroups"
            _check_roles(el, attr, ctx, findings)
        if el.get(camunda("formKey")) is not None:
            _check_form(el, ctx, findings)
        if name in ("userTask", "startEvent"):
            _check_form_fields(el, findings)
        if name in _HANDLER_TASKS and el.tag == bpmn(name):
            _check_implementation(el, ctx, findings)


def _check_form_fields(el, findings: Findings) -> None:
    for field in el.iter(camunda("formField")):
        kind = (field.get("type") or "string").strip()
        if kind not in FORM_FIELD_TYPES:
            findings.error("unknown-form-field-type",
                           f"{describe(el)}: form field '{field.get('id')}' has type '{kind}'; the platform knows "
                           f"{', '.join(sorted(FORM_FIELD_TYPES))}", el, at=field)


def _check_roles(el, attr: str, ctx: LintContext, findings: Findings) -> None:
    if ctx.roles is None:
        return
    for role in split_list(el.get(camunda(attr))):
        # An expression picks roles at run time; the translator checks its syntax.
        if not is_juel(role) and role not in ctx.roles:
            findings.error("unknown-role", f"{describe(el)} names unknown role '{role}' in camunda:{attr}", el)


def _check_assignment(task, findings: Findings) -> None:
    attrs = ("candidateGroups", "candidateUsers", "assignee")
    if any((task.get(camunda(a)) or "").strip() for a in attrs):
        return
    if any(local(child) in _ASSIGNMENT_CHILDREN for child in task):
        return
    findings.warning("unassigned-task",
                     f"{describe(task)} has no camunda:candidateGroups, camunda:candidateUsers or "
                     "camunda:assignee: no one can work this task", task)


def _check_form(el, ctx: LintContext, findings: Findings) -> None:
    key = el.get(camunda("formKey"))
    # Camunda Forms are deployed files, checked by the platform against what is deployed.
    if ctx.form_keys is None or is_juel(key) or key.startswith("camunda-forms:"):
        return
    if key not in ctx.form_keys:
        findings.error("unknown-form", f"{describe(el)} names unknown form '{key}' in camunda:formKey", el)


def _check_implementation(task, ctx: LintContext, findings: Findings) -> None:
    if local(task) == "businessRuleTask" and (task.get(camunda("decisionRef")) or "").strip():
        return
    found = handler_reference(task)
    if found is None:
        connector = task.find(f"{bpmn('extensionElements')}/{camunda('connector')}")
        if connector is not None:
            connector_id = (connector.findtext(camunda("connectorId")) or "").strip()
            findings.error("unsupported-connector",
                           f"{describe(task)} uses camunda:connector '{connector_id}', which the platform does "
                           "not run; name a handler with camunda:delegateExpression=\"${name}\" or "
                           "camunda:type=\"external\" camunda:topic=\"name\"", task)
            return
        also = " or camunda:decisionRef" if local(task) == "businessRuleTask" else ""
        findings.error("no-implementation",
                       f"{describe(task)} has no implementation: set camunda:delegateExpression, "
                       f"camunda:expression, camunda:class or camunda:type=\"external\" with camunda:topic{also}",
                       task)
        return
    attr, value, names = found
    if not names:
        reason = "has camunda:type=\"external\" but no camunda:topic" if attr == "camunda:topic" else \
            f"has {attr} '{value}', which names no handler; write ${{name}} or ${{name.method(…)}}"
        findings.error("no-implementation", f"{describe(task)} {reason}", task)
    elif attr == "camunda:topic":
        return  # no handler of the topic: an external worker fetches and completes it
    elif ctx.handlers is not None and not any(n in ctx.handlers for n in names):
        if attr == "camunda:class":
            message = (f"{describe(task)} names unknown handler for camunda:class '{value}' "
                       f"(looked for {', '.join(names)})")
        else:
            message = f"{describe(task)} names unknown handler '{names[0]}' in {attr}"
        findings.error("unknown-handler", message, task)
