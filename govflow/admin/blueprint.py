"""The admin console's blueprint: administrators only, and an instance in a URL only
for an administrator of its unit. Its routes are in views.py and reports.py."""
from __future__ import annotations

from datetime import datetime

from flask import Response, g, request
from flask_babel import gettext as _

from ..web.setup import page_blueprint
from .access import can_export_ledger, require_administrator, require_administrator_of_instance

bp = page_blueprint("admin", __name__)
bp.url_prefix = "/admin"


@bp.before_request
def _administrators_only():
    principal = getattr(g, "principal", None)
    if principal is None:
        return
    exporting = request.endpoint == "admin.instance_list" and request.args.get("format") in ("xlsx", "csv")
    if not (exporting and can_export_ledger(principal)):
        require_administrator(principal)
    if "instance_id" in (request.view_args or {}):
        require_administrator_of_instance(principal, request.view_args["instance_id"])


def status_labels() -> dict[str, str]:
    """The instance statuses in the page's language (exports keep Chinese ones)."""
    return {"active": _("Running"), "suspended": _("Paused"), "completed": _("Finished"),
            "terminated": _("Stopped"), "error": _("Failed")}


def download(body: bytes, mime: str, stem: str, fmt: str) -> Response:
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    return Response(body, mimetype=mime, headers={
        "Content-Disposition": f'attachment; filename="{stem}-{stamp}.{fmt}"'})
