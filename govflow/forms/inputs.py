"""Turning a task's form schema into inputs, and posted inputs back into values.

The schema (``describe``) decides the widget; the server validates with the
same schema (``validate_submission``), so the page only shapes the values:
empty inputs are left out (a required field then reports itself), checkboxes
become booleans, a required yes/no question is a pair of radio buttons (a
checkbox cannot say "not answered"), multi-selects become lists, tables become
lists of rows, and file fields hold the ids of stored uploads.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from ..attachments.service import UploadTarget, own_uploads, store_upload
from ..errors import ValidationFailed
from .camunda.text import render_text
from .validation import describe


@dataclass
class FormState:
    fields: list[dict]
    values: dict
    errors: dict


def form_fields(form_key: str | None, fields: list | tuple) -> list[dict]:
    return _for_page(describe(form_key, list(fields or [])), "")


def _for_page(described: list[dict], prefix: str) -> list[dict]:
    """Fields as the page draws them. A group's (Camunda Forms ``path``) inputs are named
    ``GROUP.FIELD``; ``key`` is the name within the group's object."""
    out = []
    for f in described:
        f = {**f, "key": f["id"], "id": prefix + f["id"]}
        if f["widget"] == "checkbox" and f["required"]:
            f["widget"] = "yesno"
        elif f["widget"] == "markdown":
            f["html"] = render_text(f.get("text") or "")
        elif f["widget"] == "group":
            f["fields"] = _for_page(f["fields"], f["id"] + ".")
        out.append(f)
    return out


def initial_values(fields: list[dict], variables: dict) -> dict:
    """Prefill from the process data: a step done again shows what was entered last time."""
    return {f["id"]: variables[f["id"]] for f in fields if f["id"] in (variables or {})}


def parse_submission(fields: list[dict], form, files, target: UploadTarget) -> tuple[dict, dict]:
    """(values, upload errors): the posted inputs shaped for ``validate_submission``.

    New files are stored now, so that a form sent back with errors keeps them.
    """
    values: dict[str, Any] = {}
    errors: dict = {}
    for f in fields:
        name, widget = f["id"], f["widget"]
        if f["readonly"] or widget == "markdown":
            continue
        if widget == "group":
            members, member_errors = parse_submission(f["fields"], form, files, target)
            values[name] = {k[len(name) + 1:]: v for k, v in members.items()}
            errors.update(member_errors)
            continue
        if widget == "checkbox":
            values[name] = form.get(name) in ("true", "on", "1")
        elif widget == "yesno":
            if form.get(name) in ("true", "false"):
                values[name] = form.get(name) == "true"
        elif widget == "multiselect":
            values[name] = [v for v in form.getlist(name) if v]
        elif widget == "table":
            rows = _rows(name, form)
            if rows or f["required"]:
                values[name] = rows
        elif widget == "file":
            ids, problem = _files(name, form, files, target)
            if ids or f["required"]:
                values[name] = ids
            if problem:
                errors[name] = [problem]
        else:
            text = (form.get(name) or "").strip()
            if text:
                values[name] = text
    return values, errors


def _rows(name: str, form) -> list[dict]:
    """The rows of a table field from inputs named ``NAME.ROW.COLUMN``; blank rows
    (the spare ones the page offers) are dropped."""
    rows: dict[int, dict] = {}
    for key in form.keys():
        if not key.startswith(name + "."):
            continue
        index, _, column = key[len(name) + 1:].partition(".")
        if not index.isdigit() or not column:
            continue
        text = (form.get(key) or "").strip()
        if text:
            rows.setdefault(int(index), {})[column] = text
    return [rows[i] for i in sorted(rows)]


def _files(name: str, form, files, target: UploadTarget) -> tuple[list[str], str | None]:
    settings = current_app.config["GOVFLOW"]
    kept = own_uploads(form.getlist(name), target.uploader_id, target.task_id)
    problem = None
    for upload in files.getlist(f"{name}__files"):
        if not upload or not upload.filename:
            continue
        try:
            kept.append(store_upload(upload.stream, upload.filename, target, settings.UPLOAD_DIR,
                                     settings.UPLOAD_MAX_BYTES).id)
        except ValidationFailed as exc:
            problem = exc.errors["file"][0]
    return kept, problem
