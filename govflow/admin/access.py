"""Who may use the administration console, and who sees residents' personal data.

Administrators (the ``is_admin`` flag or the ``admin`` role) use all of it. A
supervisor (督办员, role ``supervisor``) may download the instance ledger of
their own jurisdiction — the street or district they are granted at — with
residents' names, phone numbers and addresses masked: supervision needs the
cases, not the people (DESIGN.md: "Every list, count, export and API call goes
through this one rule").
"""
from __future__ import annotations

from sqlalchemy import false, or_

from ..errors import Forbidden
from ..identity.access import Principal, path_prefix_clause
from ..instances.models import ProcessInstance

LEDGER_READER_ROLE = "supervisor"


def is_administrator(p: Principal) -> bool:
    """The admin flag, or the ``admin`` role granted anywhere."""
    return p.is_admin or any(g.role == "admin" for g in p.grants)


def require_administrator(p: Principal) -> None:
    """Raises Forbidden (403) for anyone else."""
    if not is_administrator(p):
        raise Forbidden("administrators only")


def can_export_ledger(p: Principal) -> bool:
    return is_administrator(p) or any(g.role == LEDGER_READER_ROLE for g in p.grants)


def require_ledger_reader(p: Principal) -> None:
    if not can_export_ledger(p):
        raise Forbidden("administrators and supervisors only")


def ledger_scope(p: Principal):
    """SQL: the instances ``p`` may export — all for administrators, else those under
    the units of their supervisor grants."""
    if is_administrator(p):
        return None
    paths = [g.path for g in p.grants if g.role == LEDGER_READER_ROLE]
    return or_(*[path_prefix_clause(ProcessInstance.org_path, path) for path in paths]) if paths else false()
