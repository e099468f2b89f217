"""The organisation pages under /admin/org: administrators only, CSRF on every form.
The routes are in tree_views.py, user_views.py and import_views.py."""
from __future__ import annotations

from flask import flash, g
from flask_babel import gettext as _

from ..admin.access import require_administrator
from ..errors import DomainError
from ..web.names import KIND_NAMES
from ..web.setup import page_blueprint

bp = page_blueprint("organisation", __name__)
bp.url_prefix = "/admin/org"


@bp.before_request
def _administrators_only():
    if getattr(g, "principal", None) is not None:  # None: the guard is sending the visitor to sign in
        require_administrator(g.principal)


def flash_error(exc: DomainError) -> None:
    """A refused change (run under database.undone_if_refused) as a message on the page
    it came from."""
    details = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in exc.errors.items())
    flash(_("Not changed: %(reason)s", reason=details or exc.message), "error")


@bp.context_processor
def _names():
    return {"kind_names": KIND_NAMES}
