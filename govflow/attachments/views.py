"""Serving uploaded photos and attachments to those who may read their case."""
from __future__ import annotations

from flask import current_app, g, send_file

from ..web.setup import page_blueprint
from ..worklist.actions import get_readable_upload
from .service import upload_path

bp = page_blueprint("uploads", __name__)


@bp.route("/uploads/<upload_id>")
def show_upload(upload_id):
    upload = get_readable_upload(upload_id, g.principal)
    response = send_file(upload_path(upload, current_app.config["GOVFLOW"].UPLOAD_DIR),
                         mimetype=upload.content_type, download_name=upload.filename,
                         as_attachment=upload.content_type == "application/pdf", max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
