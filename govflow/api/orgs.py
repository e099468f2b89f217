from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..identity.models import OrgUnit
from .auth import api_blueprint
from .schemas import OrgUnitSchema

PREFIX = "/org-units"
blp = api_blueprint("org-units", "The organisation tree")


@blp.route("")
@blp.response(200, OrgUnitSchema(many=True))
def list_org_units():
    units = db.session.scalars(select(OrgUnit).order_by(OrgUnit.path)).all()
    codes = {u.id: u.code for u in units}
    return [{"code": u.code, "name": u.name, "kind": u.kind, "parent": codes.get(u.parent_id)}
            for u in units]
