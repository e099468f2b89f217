"""CamundaParser extended to read what Camunda Modeler writes and Spiff ignores.

- user tasks keep assignee, candidate users/groups, due/follow-up date, priority
  and the ``scope`` property;
- service and send tasks name a handler by delegateExpression, expression,
  class or external topic;
- timer literals (``PT24H``, ``R3/PT1H``) become string expressions;
- sequence flows without an ``id`` get one (Spiff indexes flows by id and would
  silently drop them).
"""
from __future__ import annotations

import re

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.event_parsers import ReceiveTaskParser
from SpiffWorkflow.bpmn.parser.task_parsers import GatewayParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import (
    CallActivity,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    ReceiveTask,
    StartEvent,
    TransactionSubprocess,
)
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
)
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import (
    CamundaBoundaryEventParser,
    CamundaEventDefinitionParser,
    CamundaIntermediateCatchEventParser,
    CamundaIntermediateThrowEventParser,
    CamundaStartEventParser,
)
from SpiffWorkflow.camunda.parser.task_spec import (
    CAMUNDA_MODEL_NS,
    BusinessRuleTaskParser,
    CallActivityParser,
    CamundaTaskParser,
    SubWorkflowParser,
    UserTaskParser,
)
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask

from . import cycles, durations
from .implicit import make_explicit
from .lint.camunda import handler_reference
from .specs import (
    GovBoundaryEvent,
    GovMessageEventDefinition,
    GovParallelGateway,
    GovParallelMultiInstance,
    GovSequentialMultiInstance,
    GovUserTask,
    HandlerServiceTask,
    PassThroughManualTask,
    PassThroughTask,
)

_CAMUNDA = "{%s}" % CAMUNDA_MODEL_NS


def handler_candidates(node) -> list[str]:
    """Handler names a service/send task may mean, most specific first.

    The same mapping the deployment lint checks against (see lint.camunda).
    """
    reference = handler_reference(node)
    return reference[2] if reference else []


def form_key_of(node) -> str | None:
    """The form a user task or start event names: ``camunda:formRef`` (Camunda 7.19+)
    spelled as a key, ``camunda-forms:ref:ID:BINDING[:VERSION]``, else ``camunda:formKey``.
    The platform resolves it (govflow.forms.camunda.references); the engine only carries it."""
    ref = (node.get(_CAMUNDA + "formRef") or "").strip()
    if not ref:
        return node.get(_CAMUNDA + "formKey")
    binding = (node.get(_CAMUNDA + "formRefBinding") or "latest").strip()
    version = (node.get(_CAMUNDA + "formRefVersion") or "").strip()
    return f"camunda-forms:ref:{ref}:{binding}" + (f":{version}" if binding == "version" else "")


class GovUserTaskParser(UserTaskParser):
    def create_task(self):
        form = self.get_form()
        form.key = form_key_of(self.node)
        assignment = {
            "assignee": self.node.get(_CAMUNDA + "assignee"),
            "candidate_users": self.node.get(_CAMUNDA + "candidateUsers"),
            "candidate_groups": self.node.get(_CAMUNDA + "candidateGroups"),
            "due_date": self.node.get(_CAMUNDA + "dueDate"),
            "follow_up_date": self.node.get(_CAMUNDA + "followUpDate"),
            "priority": self.node.get(_CAMUNDA + "priority"),
            "scope": self.parse_extensions().get("scope"),
        }
        return GovUserTask(self.spec, self.bpmn_id, form=form,
                           assignment={k: v for k, v in assignment.items() if v},
                           **self.bpmn_attributes)

    def _add_multiinstance_task(self, loop_characteristics):
        _add_bounded_multiinstance(self, loop_characteristics)


class HandlerTaskParser(CamundaTaskParser):
    def create_task(self):
        names = handler_candidates(self.node)
        if not names:
            self.raise_validation_exception(
                "service task names no handler: set camunda:delegateExpression, "
                "camunda:expression, camunda:class or camunda:type=\"external\" with camunda:topic")
        registry = getattr(self.process_parser.parser, "handler_names", None)
        handler = next((n for n in names if registry is None or n in registry), names[0])
        external = self.node.get(_CAMUNDA + "type") == "external" and registry is not None \
            and handler not in registry
        return HandlerServiceTask(self.spec, self.bpmn_id, handler=handler, external=external,
                                  result_variable=self.node.get(_CAMUNDA + "resultVariable"),
                                  properties=self.parse_extensions(), **self.bpmn_attributes)

    def _add_multiinstance_task(self, loop_characteristics):
        _add_bounded_multiinstance(self, loop_characteristics)


def _add_bounded_multiinstance(parser, loop_characteristics):
    # Camunda Modeler users write camunda:collection="${items}" as often as "items";
    # SpiffWorkflow reads the attribute as a variable name only.
    collection = (loop_characteristics.get(_CAMUNDA + "collection") or "").strip()
    name = re.fullmatch(r"[$#]\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}", collection)
    if name:
        loop_characteristics.set(_CAMUNDA + "collection", name.group(1))
    CamundaTaskParser._add_multiinstance_task(parser, loop_characteristics)
    cls = GovSequentialMultiInstance if loop_characteristics.get("isSequential") == "true" \
        else GovParallelMultiInstance
    parser.task.__class__ = cls


class _BoundedMultiInstanceParser:
    """Every multi-instance activity gets the platform's limits and Camunda's
    ``nrOf…`` variables in its completionCondition (see specs._BoundedMultiInstance)."""

    def _add_multiinstance_task(self, loop_characteristics):
        _add_bounded_multiinstance(self, loop_characteristics)


class GovTaskParser(_BoundedMultiInstanceParser, CamundaTaskParser):
    pass


class GovSubWorkflowParser(_BoundedMultiInstanceParser, SubWorkflowParser):
    pass


class GovCallActivityParser(_BoundedMultiInstanceParser, CallActivityParser):
    pass


class GovBusinessRuleTaskParser(_BoundedMultiInstanceParser, BusinessRuleTaskParser):
    pass


class _TimerLiterals:
    """Quote bare ISO timer literals and cron so the script engine reads them as strings;
    read messages as :class:`GovMessageEventDefinition`."""

    def parse_message_event(self, message_event):
        definition = super().parse_message_event(message_event)
        return GovMessageEventDefinition(definition.name, definition.correlation_properties,
                                         definition.expression, definition.result_var)

    def parse_timer_event(self, event):
        definition = super().parse_timer_event(event)
        text = (definition.expression or "").strip()
        if not text:
            raise ValidationException("timer has no expression", node=self.node, file_name=self.filename)
        if durations.is_literal(text):
            try:
                if isinstance(definition, DurationTimerEventDefinition):
                    durations.parse_duration(text)
                elif isinstance(definition, CycleTimerEventDefinition):
                    durations.parse_duration(text.split("/")[-1]) if text.split("/")[-1].upper().startswith("P") else None
                elif isinstance(definition, TimeDateEventDefinition):
                    durations.parse_datetime(text)
            except durations.DurationError as exc:
                raise ValidationException(str(exc), node=self.node, file_name=self.filename) from exc
            definition.expression = repr(text)
        elif isinstance(definition, CycleTimerEventDefinition) and cycles.is_cron(text):
            definition.expression = repr(text)  # Quartz cron (engine/cycles.py), checked by the lint
        return definition


class GovStartEventParser(_TimerLiterals, CamundaStartEventParser):
    pass


class GovCatchEventParser(_TimerLiterals, CamundaIntermediateCatchEventParser):
    pass


class GovThrowEventParser(_TimerLiterals, CamundaIntermediateThrowEventParser):
    pass


class GovBoundaryEventParser(_TimerLiterals, CamundaBoundaryEventParser):
    pass


class GovReceiveTaskParser(_TimerLiterals, CamundaEventDefinitionParser, ReceiveTaskParser):
    """SpiffWorkflow's receiveTask parser builds the plain BPMN message definition,
    which the Camunda serializer does not know: storing the spec failed."""


class GovflowParser(CamundaParser):
    """The parser every deployment goes through."""

    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("userTask"): (GovUserTaskParser, GovUserTask),
        full_tag("serviceTask"): (HandlerTaskParser, HandlerServiceTask),
        full_tag("sendTask"): (HandlerTaskParser, HandlerServiceTask),
        full_tag("parallelGateway"): (GatewayParser, GovParallelGateway),
        full_tag("startEvent"): (GovStartEventParser, StartEvent),
        full_tag("intermediateCatchEvent"): (GovCatchEventParser, IntermediateCatchEvent),
        full_tag("intermediateThrowEvent"): (GovThrowEventParser, IntermediateThrowEvent),
        full_tag("boundaryEvent"): (GovBoundaryEventParser, GovBoundaryEvent),
        full_tag("receiveTask"): (GovReceiveTaskParser, ReceiveTask),
        full_tag("task"): (GovTaskParser, PassThroughTask),
        full_tag("manualTask"): (GovTaskParser, PassThroughManualTask),
        full_tag("subProcess"): (GovSubWorkflowParser, CallActivity),
        full_tag("callActivity"): (GovCallActivityParser, CallActivity),
        full_tag("transaction"): (GovSubWorkflowParser, TransactionSubprocess),
        full_tag("businessRuleTask"): (GovBusinessRuleTaskParser, BusinessRuleTask),
    }

    def __init__(self, handler_names=None):
        super().__init__()
        #: Known handler names, to pick the right candidate of a camunda:class.
        self.handler_names = handler_names

    def add_bpmn_xml(self, bpmn, filename=None):
        _name_anonymous_flows(bpmn)
        make_explicit(bpmn.getroot() if hasattr(bpmn, "getroot") else bpmn)
        super().add_bpmn_xml(bpmn, filename)


def _name_anonymous_flows(bpmn) -> None:
    root = bpmn.getroot() if hasattr(bpmn, "getroot") else bpmn
    for n, flow in enumerate(root.iter(full_tag("sequenceFlow"))):
        if not flow.get("id"):
            flow.set("id", f"Flow_{flow.get('sourceRef')}_{flow.get('targetRef')}_{n}")


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted XML without entities, DTDs or network access."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_blank_text=False)
    return etree.fromstring(data, parser)
