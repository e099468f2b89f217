"""REST schemas of organisation administration (explicit fields only)."""
from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from ..api.schemas import BoundedInteger
from ..identity.models import OrgKind

_KINDS = validate.OneOf(list(OrgKind.__members__))


class UnitOut(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    parent = fields.String(allow_none=True)
    is_active = fields.Boolean()


class UnitCreate(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=_KINDS)
    parent = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class UnitUpdate(Schema):
    """Any of: a new name, a new parent (moves the subtree), active or not."""
    name = fields.String(validate=validate.Length(min=1, max=200))
    parent = fields.String(validate=validate.Length(min=1, max=64))
    is_active = fields.Boolean()


class GrantOut(Schema):
    id = fields.Integer()
    role = fields.String()
    org_unit = fields.String()


class UserOut(Schema):
    username = fields.String()
    display_name = fields.String()
    phone = fields.String(allow_none=True)
    is_active = fields.Boolean()
    is_locked = fields.Boolean()
    grants = fields.List(fields.Nested(GrantOut))
    #: Only in the answer that created it or reset the password; never stored.
    one_time_password = fields.String(allow_none=True)


class UserQuery(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=80))
    page = BoundedInteger(minimum=1, maximum=100_000, load_default=1)


class UserPageOut(Schema):
    total = fields.Integer()
    page = fields.Integer()
    pages = fields.Integer()
    items = fields.List(fields.Nested(UserOut))


class UserCreate(Schema):
    username = fields.String(required=True, validate=validate.Length(min=2, max=80))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    password = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=8, max=200))
    grants = fields.List(fields.String(validate=validate.Length(max=120)), load_default=list,
                         validate=validate.Length(max=50))


class UserUpdate(Schema):
    display_name = fields.String(validate=validate.Length(min=1, max=120))
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    is_active = fields.Boolean()


class PasswordReset(Schema):
    password = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=8, max=200))


class GrantCreate(Schema):
    grant = fields.String(required=True, validate=validate.Length(min=3, max=120),
                          metadata={"description": "ROLE@ORG_UNIT"})


class ImportFile(Schema):
    file = Upload(required=True)


class ImportQuery(Schema):
    dry_run = fields.Boolean(load_default=True, metadata={"description": "check only (default); false imports"})


class RejectionOut(Schema):
    sheet = fields.String()
    row = fields.Integer()
    column = fields.String()
    reason = fields.String()
    value = fields.String()


class ImportReportOut(Schema):
    dry_run = fields.Boolean()
    units = fields.List(fields.String(), metadata={"description": "codes of the units (to be) imported"})
    users = fields.List(fields.String(), metadata={"description": "usernames (to be) imported"})
    rejected_rows = fields.Integer()
    rejected = fields.List(fields.Nested(RejectionOut))
