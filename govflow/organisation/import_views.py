"""The import pages: templates, upload → dry-run preview → import, and the rejected-rows report.

The uploaded file waits between the preview and the import in the upload
directory under a random name that only the uploading session knows; the
import checks it again (the database may have changed meanwhile).
"""
from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

from flask import Response, current_app, g, render_template, request, session
from flask_babel import gettext as _

from ..errors import Conflict, NotFound, ValidationFailed
from .blueprint import bp
from .importer import ImportPlan, apply_plan, check_file
from .sheets import (
    MAX_BYTES,
    SHEETS,
    UNIT_SHEET,
    USER_SHEET,
    XLSX_MIME,
    report_xlsx,
    template_csv,
    template_xlsx,
)

#: Previews never confirmed are removed after a day.
STAGING_SECONDS = 86_400


def _staging() -> Path:
    path = Path(current_app.config["GOVFLOW"].UPLOAD_DIR) / "org-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sweep() -> None:
    cutoff = time.time() - STAGING_SECONDS
    for old in _staging().iterdir():
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def _staged(token: str) -> Path:
    if token not in session.get("org_imports", []) or not token.isalnum():
        raise NotFound("no such import")
    return _staging() / token


def _download(body: bytes, mime: str, name: str) -> Response:
    return Response(body, mimetype=mime, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


@bp.route("/import")
def import_form():
    return render_template("organisation/import.html", error=None)


@bp.route("/import/template.xlsx")
def import_template():
    return _download(template_xlsx(), XLSX_MIME, "org-import-template.xlsx")


@bp.route("/import/template-<kind>.csv")
def import_template_csv(kind):
    sheet = {"units": UNIT_SHEET, "users": USER_SHEET}.get(kind)
    if sheet not in SHEETS:
        raise NotFound("no such template")
    return _download(template_csv(sheet), "text/csv; charset=utf-8", f"org-import-{kind}.csv")


@bp.route("/import", methods=["POST"])
def import_preview():
    upload = request.files.get("file")
    data = upload.read(MAX_BYTES + 1) if upload else b""  # enough to tell it is too large
    try:
        plan = check_file(data, upload.filename if upload else "")
    except ValidationFailed as exc:
        return render_template("organisation/import.html", error=exc.errors["file"][0]), 422
    _sweep()
    token = secrets.token_hex(16)
    (_staging() / f"{token}.upload").write_bytes(data)
    session["org_imports"] = (session.get("org_imports", []) + [token])[-5:]
    return _report(token, plan, imported=False)


@bp.route("/import/<token>", methods=["POST"])
def import_commit(token):
    staged = Path(f"{_staged(token)}.upload")
    if not staged.exists():
        raise Conflict("this file was imported already")
    plan = check_file(staged.read_bytes())
    apply_plan(g.principal, plan)
    staged.unlink(missing_ok=True)
    return _report(token, plan, imported=True)


@bp.route("/import/<token>/report.xlsx")
def import_report(token):
    path = Path(f"{_staged(token)}.json")
    if not path.exists():
        raise NotFound("no such report")
    return _download(report_xlsx(json.loads(path.read_text("utf-8"))), XLSX_MIME, "org-import-rejected.xlsx")


def _report(token: str, plan: ImportPlan, imported: bool):
    Path(f"{_staging() / token}.json").write_text(json.dumps([r.__dict__ for r in plan.rejected]), "utf-8")
    return render_template("organisation/import_report.html", plan=plan, token=token, imported=imported,
                           title=_("Import done") if imported else _("Import preview"))
