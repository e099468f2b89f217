"""Who may use the administration console."""
from __future__ import annotations

from ..errors import Forbidden
from ..identity.access import Principal


def is_administrator(p: Principal) -> bool:
    """The admin flag, or the ``admin`` role granted anywhere."""
    return p.is_admin or any(g.role == "admin" for g in p.grants)


def require_administrator(p: Principal) -> None:
    """Raises Forbidden (403) for anyone else."""
    if not is_administrator(p):
        raise Forbidden("administrators only")
