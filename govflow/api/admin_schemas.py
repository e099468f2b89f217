"""Schemas of the admin console's REST API (explicit fields only)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..admin.service import OPERATIONS
from .schemas import id_field

_REASON = fields.String(required=True, validate=validate.Length(min=1, max=1000),
                        metadata={"description": "why; stored in the audit trail"})


class OperationSchema(Schema):
    """One operation on an instance; the fields after ``reason`` belong to some operations only."""
    operation = fields.String(required=True, validate=validate.OneOf(OPERATIONS))
    reason = _REASON
    incident_id = id_field(load_default=None, metadata={"description": "retry"})
    element_id = fields.String(load_default=None, validate=validate.Length(max=120), metadata={"description": "move"})
    task_id = id_field(load_default=None, metadata={"description": "reassign"})
    username = fields.String(load_default=None, validate=validate.Length(max=80), metadata={"description": "reassign"})
    name = fields.String(load_default=None, validate=validate.Length(max=120), metadata={"description": "edit_variable"})
    value = fields.Raw(load_default=None, allow_none=True,
                       metadata={"description": "edit_variable: the new value, of the variable's JSON type"})
    # Versions and ids are INTEGER columns: a larger number is a 422, not a driver overflow.
    version = id_field(load_default=None, metadata={"description": "migrate: target version (newest when absent)"})


class BatchMigrationSchema(Schema):
    process_key = fields.String(required=True, validate=validate.Length(min=1, max=120))
    version = id_field(load_default=None)
    instance_ids = fields.List(id_field(), required=True, validate=validate.Length(min=1, max=1000))
    reason = _REASON


class MigrationReportSchema(Schema):
    target_version = fields.Integer()
    migrated = fields.List(fields.Integer())
    refused = fields.Dict(keys=fields.String(), values=fields.String(),
                          metadata={"description": "instance id → why it stayed on its version"})


class SavedFilterSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    query = fields.String(required=True, validate=validate.Length(max=2000),
                          metadata={"description": "the search as a query string, e.g. status=active&org=grid_yg_1"})


class StatisticsArgs(Schema):
    from_ = fields.Date(data_key="from", load_default=None)
    to = fields.Date(load_default=None)
    format = fields.String(load_default=None, validate=validate.OneOf(("xlsx", "csv")),
                           metadata={"description": "download the tables instead of JSON"})


class CaseFiguresSchema(Schema):
    key = fields.String(allow_none=True)
    label = fields.String()
    cases = fields.Integer()
    response_rate = fields.Float(allow_none=True)
    resolution_rate = fields.Float(allow_none=True)
    satisfaction_rate = fields.Float(allow_none=True)
    overdue = fields.Integer()
    mean_hours = fields.Float(allow_none=True)


class StageSchema(Schema):
    process = fields.String()
    status = fields.String()
    stage = fields.String(allow_none=True)
    count = fields.Integer()


class StepTimeSchema(Schema):
    process = fields.String()
    element_id = fields.String()
    name = fields.String()
    count = fields.Integer()
    mean_hours = fields.Float(allow_none=True)


class CaseTablesSchema(Schema):
    community = fields.List(fields.Nested(CaseFiguresSchema))
    department = fields.List(fields.Nested(CaseFiguresSchema))
    category = fields.List(fields.Nested(CaseFiguresSchema))
    month = fields.List(fields.Nested(CaseFiguresSchema))


class StatisticsSchema(Schema):
    cases = fields.Nested(CaseTablesSchema)
    stages = fields.List(fields.Nested(StageSchema))
    steps = fields.List(fields.Nested(StepTimeSchema))
