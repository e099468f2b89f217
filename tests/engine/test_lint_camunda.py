"""Deployment lint, Camunda dialect: roles, forms and service-task handlers."""
from __future__ import annotations

import pytest

from govflow.engine.lint import class_candidates
from tests.engine.lint_helpers import codes, full_ctx, line_of, lint, only, simple


def test_unknown_role_is_named_with_its_task():
    data = simple('<bpmn:userTask id="verify" camunda:candidateGroups="community_secretary, grid_workr,${extra}"/>'
                  ).replace(b'"work"', b'"verify"')
    problem = only(lint(data), "unknown-role")
    assert problem.message == "userTask 'verify' names unknown role 'grid_workr' in camunda:candidateGroups"
    assert (problem.element_id, problem.line) == ("verify", line_of(data, "<bpmn:userTask"))
    assert lint(data, full_ctx(roles=None)) == []


def test_unknown_form_key():
    data = simple('<bpmn:userTask id="work" camunda:candidateGroups="grid_worker" '
                  'camunda:formKey="embedded:app:forms/x.html"/>')
    assert codes(lint(data)) == ["unknown-form"]
    assert lint(data, full_ctx(form_keys={"embedded:app:forms/x.html"})) == []
    assert lint(data, full_ctx(form_keys=None)) == []


def test_user_task_nobody_can_work_is_a_warning():
    problem = only(lint(simple('<bpmn:userTask id="work"/>')), "unassigned-task")
    assert problem.severity == "warning" and "no one can work this task" in problem.message
    assert lint(simple('<bpmn:userTask id="work" camunda:assignee="${initiator}"/>')) == []


@pytest.mark.parametrize("attrs, problem_codes", [
    ('camunda:delegateExpression="${notify}"', []),
    ('camunda:delegateExpression="#{notfy}"', ["unknown-handler"]),
    # Names the handler and is never evaluated, so the translator (which refuses method
    # calls) is not asked.
    ('camunda:expression="${notify.send(case)}"', []),
    ('camunda:expression="${archive}"', []),
    ('camunda:class="com.acme.NotifyDelegate"', []),
    ('camunda:class="com.acme.SendNotification"', ["unknown-handler"]),
    ('camunda:type="external" camunda:topic="notify"', []),
    # No handler of that topic: the task waits for an external worker (/engine-rest).
    ('camunda:type="external" camunda:topic="sms"', []),
    ('camunda:type="external"', ["no-implementation"]),
    ('camunda:delegateExpression="notify"', ["no-implementation"]),
    ('', ["no-implementation"]),
])
def test_service_task_handlers(attrs, problem_codes):
    assert codes(lint(simple(f'<bpmn:serviceTask id="work" {attrs}/>'))) == problem_codes


def test_handler_names_only_checked_with_a_registry_but_an_implementation_always():
    assert lint(simple('<bpmn:sendTask id="work" camunda:delegateExpression="${sms}"/>'), full_ctx(handlers=None)) == []
    assert codes(lint(simple('<bpmn:sendTask id="work"/>'), full_ctx(handlers=None))) == ["no-implementation"]
    connector = ('<bpmn:serviceTask id="work"><bpmn:extensionElements><camunda:connector>'
                 '<camunda:connectorId>http-connector</camunda:connectorId></camunda:connector>'
                 '</bpmn:extensionElements></bpmn:serviceTask>')
    assert codes(lint(simple(connector))) == ["unsupported-connector"]
    assert codes(lint(simple('<bpmn:businessRuleTask id="work" camunda:class="a.Sms"/>'))) == ["unknown-handler"]
    method_call = simple('<bpmn:serviceTask id="work" camunda:expression="${notfy.send(case)}"/>')
    assert only(lint(method_call, full_ctx(juel_translate=None)), "unknown-handler").message == \
        "serviceTask 'work' names unknown handler 'notfy' in camunda:expression"


def test_class_names_map_to_handler_names():
    # The same mapping as govflow/engine/parser.py, most specific first.
    assert class_candidates("com.x.NotifyDelegate") == ["notify_delegate", "notify", "notifyDelegate"]
    assert class_candidates("a.b.SendNotification") == ["send_notification", "sendNotification"]
    message = only(lint(simple('<bpmn:serviceTask id="work" camunda:class="a.b.SendNotification"/>')),
                   "unknown-handler").message
    assert "send_notification, sendNotification" in message
