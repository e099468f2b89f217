"""Files over REST: upload one for a form's file field, read one back.

An upload made here belongs to its uploader and to no case yet; a task's or start
form's file field of the same caller may name it (govflow.worklist.rules), and
completing that form attaches it to the case."""
from __future__ import annotations

from flask import current_app, request, send_file

from ..attachments.service import UploadTarget, store_upload, upload_path
from ..errors import ValidationFailed
from ..worklist.actions import get_readable_upload
from .auth import api_blueprint, principal
from .present import uploads_out
from .schemas import UploadSchema

PREFIX = "/attachments"
blp = api_blueprint("attachments", "Photos and documents for form file fields")

_MULTIPART = {"content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}}


@blp.route("", methods=["POST"])
@blp.doc(requestBody=_MULTIPART)
@blp.response(201, UploadSchema)
def upload():
    """Store a photo (JPEG, PNG, GIF, WebP) or PDF; its ``id`` goes into a file field."""
    posted = request.files.get("file")
    if posted is None or not posted.filename:
        raise ValidationFailed("no file uploaded", {"file": ["multipart field 'file' is required"]})
    settings = current_app.config["GOVFLOW"]
    row = store_upload(posted.stream, posted.filename, UploadTarget("form", principal().user_id),
                       settings.UPLOAD_DIR, settings.UPLOAD_MAX_BYTES)
    return uploads_out([row])[0]


@blp.route("/<upload_id>")
@blp.doc(responses={"200": {"description": "the file", "content": {"application/octet-stream": {
    "schema": {"type": "string", "format": "binary"}}}}})
def download(upload_id):
    """The file, for its uploader and those who may read its case (404 otherwise)."""
    row = get_readable_upload(upload_id, principal())
    response = send_file(upload_path(row, current_app.config["GOVFLOW"].UPLOAD_DIR), mimetype=row.content_type,
                         download_name=row.filename, as_attachment=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
