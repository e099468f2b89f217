"""Who may use the administration console, and who sees residents' personal data.

Administrators (the ``is_admin`` flag or the ``admin`` role) use all of it. A
supervisor (督办员, role ``supervisor``) may download the instance ledger of
their own jurisdiction — the street or district they are granted at — with
residents' names, phone numbers and addresses masked: supervision needs the
cases, not the people (DESIGN.md: "Every list, count, export and API call goes
through this one rule").
"""
from __future__ import annotations

from sqlalchemy import or_

from ..errors import Forbidden, NotFound
from ..extensions import db
from ..identity.access import (
    Principal,
    administered_clause,
    is_administrator,
    is_administrator_of,
    path_prefix_clause,
)
from ..instances.models import ProcessInstance

LEDGER_READER_ROLE = "supervisor"


def require_administrator(p: Principal) -> None:
    """Raises Forbidden (403) for anyone else."""
    if not is_administrator(p):
        raise Forbidden("administrators only")


def require_administrator_of_instance(p: Principal, instance_id: int) -> ProcessInstance:
    """The instance, if ``p`` administers its org unit. Raises NotFound when ``p`` may
    not even read it (an administrator of another unit learns nothing of it),
    Forbidden when ``p`` reads it in their jurisdiction but does not administer it."""
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None or not p.covers(instance.org_path):
        raise NotFound(f"process instance {instance_id} does not exist")
    if not is_administrator_of(p, instance.org_path):
        raise Forbidden("administrators of the instance's unit only")
    return instance


def can_export_ledger(p: Principal) -> bool:
    return is_administrator(p) or any(g.role == LEDGER_READER_ROLE for g in p.grants)


def require_ledger_reader(p: Principal) -> None:
    if not can_export_ledger(p):
        raise Forbidden("administrators and supervisors only")


__all__ = ["is_administrator", "require_administrator", "can_export_ledger", "require_ledger_reader",
           "ledger_scope", "console_scope", "LEDGER_READER_ROLE", "require_administrator_of_instance"]


def ledger_scope(p: Principal):
    """SQL: the instances ``p`` may export — those under the units they administer
    or supervise; None: all (the admin flag)."""
    administered = administered_clause(p, ProcessInstance.org_path)
    if administered is None:
        return None
    paths = [g.path for g in p.grants if g.role == LEDGER_READER_ROLE]
    return or_(administered, *[path_prefix_clause(ProcessInstance.org_path, path) for path in paths])


def console_scope(p: Principal):
    """SQL: the instances the console shows ``p`` (lists, searches, batch
    migration); None: all."""
    return administered_clause(p, ProcessInstance.org_path)
