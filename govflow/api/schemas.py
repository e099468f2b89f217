"""Request and response schemas of the REST API (explicit fields only)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..web.security import MAX_ID
from ..worklist.inbox import API_LISTS

STATUSES = ("active", "suspended", "completed", "terminated", "error")


class BoundedInteger(fields.Integer):
    """The base of every whole number a client sends: within ±MAX_ID (the database's
    INTEGER) unless a narrower Range is given too — beyond it is invalid (422), not an
    overflow in the driver (500). Documented as minimum/maximum in OpenAPI."""

    def __init__(self, *, minimum: int = -MAX_ID, maximum: int = MAX_ID, **kwargs):
        super().__init__(**kwargs)
        self.validators.insert(0, validate.Range(min=minimum, max=maximum))


def id_field(**kwargs) -> fields.Integer:
    """An id given by a client: 1 … MAX_ID."""
    return BoundedInteger(minimum=1, **kwargs)


#: Free-form process data: names to plain JSON values (instances/variables.py says which).
def variables_field(**kwargs) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), **kwargs)


class ErrorSchema(Schema):
    message = fields.String()
    #: field → messages (a table field: row → field → messages)
    errors = fields.Dict(keys=fields.String(), values=fields.Raw())


class OrgUnitSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    parent = fields.String(allow_none=True)


class DeploymentResultSchema(Schema):
    process_keys = fields.List(fields.String())
    version = fields.Integer(allow_none=True)
    versions = fields.Dict(keys=fields.String(), values=fields.Integer())
    created = fields.List(fields.String())
    warnings = fields.List(fields.Nested(lambda: ProblemSchema()))
    decision_versions = fields.Dict(keys=fields.String(), values=fields.Integer())
    form_versions = fields.Dict(keys=fields.String(), values=fields.Integer())
    deployment_id = fields.Integer(allow_none=True)
    name = fields.String(allow_none=True)


class ProblemSchema(Schema):
    severity = fields.String()
    code = fields.String()
    message = fields.String()
    file = fields.String(allow_none=True)
    line = fields.Integer(allow_none=True)
    element_id = fields.String(allow_none=True)


class ProblemListSchema(Schema):
    problems = fields.List(fields.Nested(ProblemSchema))
    deployable = fields.Boolean()


class DefinitionSchema(Schema):
    key = fields.String()
    name = fields.String()
    version = fields.Integer()


class PageArgs(Schema):
    limit = BoundedInteger(minimum=1, maximum=200, load_default=50)
    offset = BoundedInteger(minimum=0, maximum=10_000_000, load_default=0)


class StartInstanceSchema(Schema):
    process_key = fields.String(required=True, validate=validate.Length(min=1, max=120))
    org_unit = fields.String(required=True, validate=validate.Length(min=1, max=64))
    business_key = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))
    variables = variables_field(load_default=dict)


class InstanceQuerySchema(PageArgs):
    status = fields.String(validate=validate.OneOf(STATUSES))
    process_key = fields.String(validate=validate.Length(max=120))
    org_unit = fields.String(validate=validate.Length(max=64))
    business_key = fields.String(validate=validate.Length(max=120))


class TaskSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    element_id = fields.String()
    instance_id = fields.Integer()
    process_key = fields.String()
    business_key = fields.String(allow_none=True)
    status = fields.String()
    assignee = fields.String(allow_none=True)
    candidate_groups = fields.List(fields.String())
    candidate_users = fields.List(fields.String())
    scope = fields.String(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    priority = fields.Integer()
    form_key = fields.String(allow_none=True)
    created_at = fields.DateTime()


class FormFieldSchema(Schema):
    id = fields.String()
    type = fields.String()
    label = fields.String()
    help = fields.String(allow_none=True)
    required = fields.Boolean()
    widget = fields.String()
    readonly = fields.Boolean()
    options = fields.List(fields.Nested(lambda: OptionSchema()))
    constraints = fields.Nested(lambda: ConstraintsSchema())
    #: A table field's columns, described the same way.
    columns = fields.List(fields.Nested(lambda: FormFieldSchema(exclude=("columns",))))
    #: A Camunda Forms group with a path: the fields of its object, described the same way.
    members = fields.List(fields.Nested(lambda: FormFieldSchema()), attribute="fields", data_key="fields")
    #: Camunda Forms: the markdown of a text component, and the FEEL that hides a field.
    text = fields.String()
    hide_if = fields.String(allow_none=True)


class OptionSchema(Schema):
    id = fields.String()
    name = fields.String()


class ConstraintsSchema(Schema):
    #: Numbers, or ISO dates for a date field.
    min = fields.Raw()
    max = fields.Raw()
    minlength = fields.Integer()
    maxlength = fields.Integer()
    #: A Camunda Form's validate.pattern (the whole value must match).
    pattern = fields.String()


class FormSchema(Schema):
    fields_ = fields.List(fields.Nested(FormFieldSchema), data_key="fields")


class TaskDetailSchema(TaskSchema):
    variables = variables_field()
    form = fields.Nested(FormSchema)


class InstanceSchema(Schema):
    id = fields.Integer()
    process_key = fields.String()
    version = fields.Integer()
    status = fields.String()
    org_unit = fields.String()
    business_key = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    current_steps = fields.String(allow_none=True)
    #: When the instance's earliest timer falls due (the background worker fires it then).
    next_timer_at = fields.DateTime(allow_none=True)


class IncidentSchema(Schema):
    id = fields.Integer()
    element_id = fields.String()
    element_name = fields.String()
    message = fields.String()
    created_at = fields.DateTime()


class InstanceDetailSchema(InstanceSchema):
    variables = variables_field()
    tasks = fields.List(fields.Nested(TaskSchema))
    incidents = fields.List(fields.Nested(IncidentSchema))


class EventSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    element_id = fields.String(allow_none=True)
    task_id = fields.Integer(allow_none=True)
    actor = fields.String(allow_none=True)
    at = fields.DateTime()
    comment = fields.String(allow_none=True)
    #: What the event recorded (names of variables, users, steps); its own shape per kind.
    data = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), allow_none=True)


class HistoryEntrySchema(Schema):
    """An event as people read it (the task page's history): never variables' values."""
    id = fields.Integer()
    task_id = fields.Integer(allow_none=True)
    at = fields.DateTime()
    actor = fields.String(allow_none=True)
    kind = fields.String()
    step = fields.String(allow_none=True)
    detail = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    upload = fields.String(allow_none=True)


class TaskCommentSchema(Schema):
    id = fields.Integer()
    task_id = fields.Integer()
    instance_id = fields.Integer()
    kind = fields.String(metadata={"description": "task_commented, or the action the comment came with"})
    user = fields.String(allow_none=True)
    at = fields.DateTime()
    message = fields.String()


class NewCommentSchema(Schema):
    message = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class DefinitionVersionSchema(Schema):
    version = fields.Integer()
    deployed_at = fields.DateTime()


class DefinitionDetailSchema(DefinitionSchema):
    """A process the caller may start: its versions and the start form."""
    documentation = fields.String(allow_none=True)
    #: The kinds of org unit an instance of it may be started for (empty: any).
    org_unit_kinds = fields.List(fields.String())
    versions = fields.List(fields.Nested(DefinitionVersionSchema))
    start_form = fields.Nested(FormSchema)


class TaskQuerySchema(PageArgs):
    filter = fields.String(load_default="all", validate=validate.OneOf(API_LISTS), metadata={
        "description": "mine, candidate, all (open, offered to the caller), done, copied (抄送我的), "
                       "overdue, started (open steps of cases the caller started)"})
    process_key = fields.String(validate=validate.Length(max=120))
    instance_id = id_field()


class UserChoiceSchema(Schema):
    """转办/委派: the user who receives the task."""
    user = fields.String(required=True, validate=validate.Length(min=1, max=80))
    comment = fields.String(load_default=None, allow_none=True)


class CommentSchema(Schema):
    comment = fields.String(load_default=None, allow_none=True)


class ReturnTaskSchema(Schema):
    """退回: the earlier step (element id) and the reason (required)."""
    step = fields.String(required=True, validate=validate.Length(min=1, max=120))
    comment = fields.String(load_default=None, allow_none=True)


class CopyTaskSchema(Schema):
    users = fields.List(fields.String(validate=validate.Length(max=80)), required=True,
                        validate=validate.Length(min=1, max=50))
    comment = fields.String(load_default=None, allow_none=True)


class CopyResultSchema(Schema):
    added = fields.List(fields.String())


class UrgeResultSchema(Schema):
    told = fields.Integer()


class UploadSchema(Schema):
    id = fields.String()
    filename = fields.String()
    size = fields.Integer()
    content_type = fields.String()


class CompleteTaskSchema(Schema):
    variables = variables_field(load_default=dict)
    comment = fields.String(load_default=None, allow_none=True)  # its rules: worklist.rules


class ReasonSchema(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class MoveSchema(Schema):
    element_id = fields.String(required=True, validate=validate.Length(min=1, max=120))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class MessageSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    business_key = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))
    instance_id = id_field(load_default=None, allow_none=True)
    variables = variables_field(load_default=dict)


class MessageResultSchema(Schema):
    instance_ids = fields.List(fields.Integer())


class CosignerSchema(Schema):
    """加签: ``user`` signs ``before`` the caller (then the task comes back) or ``after``
    (once the caller completes, before the process goes on)."""
    user = fields.String(required=True, validate=validate.Length(min=1, max=80))
    position = fields.String(required=True, validate=validate.OneOf(("before", "after")))
    comment = fields.String(load_default=None, allow_none=True)


class CosignOutSchema(Schema):
    id = fields.Integer()
    task_id = fields.Integer()
    signer = fields.String()
    position = fields.String()
    state = fields.String()


class SignSchema(Schema):
    """The co-signer's 意见 (required) and whether they agree (同意, the default)."""
    comment = fields.String(load_default=None, allow_none=True)
    agree = fields.Boolean(load_default=True)


class BatchSchema(Schema):
    task_ids = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=2 ** 31 - 1)),
                           required=True, validate=validate.Length(min=1, max=100))
    comment = fields.String(load_default=None, allow_none=True)


class BatchResultSchema(Schema):
    task_id = fields.Integer()
    ok = fields.Boolean()
    #: not_simple, not_found, conflict, validation_failed (None when ok)
    code = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    errors = fields.Dict(allow_none=True)


class BatchOutSchema(Schema):
    results = fields.List(fields.Nested(BatchResultSchema))
