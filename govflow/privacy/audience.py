"""Which :class:`~govflow.privacy.masking.Audience` a signed-in reader belongs to."""
from __future__ import annotations

from ..admin.access import is_administrator
from ..identity.access import Principal
from .masking import Audience

SUPERVISOR_ROLE = "supervisor"


def audience_for(p: Principal | None, path: str | None = None) -> Audience:
    """Administrators see everything; a reader whose roles over ``path`` (the case's
    org unit; all roles without one) are only ``supervisor`` is a supervisor; anyone
    else with a role there works the case; no role at all is the public."""
    if p is None:
        return Audience.PUBLIC
    if is_administrator(p):
        return Audience.ADMINISTRATOR
    roles = p.roles_at(path) if path is not None else {g.role for g in p.grants}
    if not roles:
        return Audience.PUBLIC
    return Audience.SUPERVISOR if roles <= {SUPERVISOR_ROLE} else Audience.CASE_WORKER
