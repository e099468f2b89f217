"""The public pages: /report, /track/<code>, /board (no login; CSRF on every post)."""
from __future__ import annotations

from flask import current_app, redirect, render_template, request, send_file, url_for

from ..attachments.service import get_upload, upload_path
from ..database import separate_transaction
from ..errors import NotFound, ValidationFailed
from ..forms.case import CATEGORIES, RATINGS
from ..throttle import RateLimited
from ..web.paging import page_arg
from ..web.security import client_address
from ..web.setup import page_blueprint
from . import (
    models,  # noqa: F401  (tables known to the metadata)
    photos,
    service,
)

bp = page_blueprint("portal", __name__, public=True)


def _limited(bucket: str):
    """Count this post (in a transaction of its own: refused input counts too); a 429
    page with Retry-After when over the limit."""
    try:
        with separate_transaction() as session:
            service.check_rate(bucket, client_address(), session=session)
    except RateLimited as exc:
        return render_template("portal/limited.html"), 429, {"Retry-After": str(exc.retry_after)}
    return None


def _not_found():
    return render_template("portal/not_found.html"), 404


@bp.route("/report", methods=["GET", "POST"])
def report():
    form, errors = request.form, {}
    kept = {"token": form.get("kept_photos", ""), "count": 0}
    if request.method == "POST":
        try:  # before any photo is read: nothing is stored for a client over the limit
            service.check_report_rate(client_address())
        except RateLimited as exc:  # the form again, with what was typed (and kept), and why
            kept["count"] = photos.kept_count(kept["token"])
            return render_template("portal/report.html", tree=service.org_tree(), categories=CATEGORIES,
                                   form=form, errors={}, kept=kept, limited=True), 429, \
                {"Retry-After": str(exc.retry_after)}
        data = service.Report(
            community=form.get("community", ""), grid=form.get("grid", ""), category=form.get("category", ""),
            description=form.get("description", ""), address=form.get("address", ""),
            lat=form.get("lat", "").strip(), lng=form.get("lng", "").strip(), name=form.get("name", ""),
            phone=form.get("phone", ""), consent=form.get("consent") == "1",
            anonymous=form.get("anonymous") == "1")
        files = [(f.filename or "photo", f.read(photos.MAX_PHOTO_BYTES + 1))
                 for f in request.files.getlist("photos") if f and f.filename]
        try:
            code = service.file_report(data, files, kept["token"], form.get("drop_kept_photos") == "1",
                                       current_app.config["GOVFLOW"].UPLOAD_DIR)
            service.count_report(client_address())
        except service.ReportRefused as exc:  # returned, so the unit of work commits the kept photos
            errors, kept = exc.errors, {"token": exc.kept_token, "count": exc.kept_count}
        else:
            return redirect(url_for("portal.track", code=code, new=1))
    return render_template("portal/report.html", tree=service.org_tree(), categories=CATEGORIES,
                           form=form, errors=errors, kept=kept), 400 if errors else 200


@bp.route("/track", methods=["GET"])
def track_lookup():
    code = (request.args.get("code") or "").strip()
    if code:
        return redirect(url_for("portal.track", code=code))
    return render_template("portal/lookup.html")


@bp.route("/track/<code>", methods=["GET"])
def track(code):
    try:
        info = service.tracking(code)
    except NotFound:
        return _not_found()
    return render_template("portal/track.html", info=info, ratings=RATINGS, new=request.args.get("new"),
                           errors={}), 200


@bp.route("/track/<code>/rate", methods=["POST"])
def rate(code):
    try:
        service.instance_for_code(code)
    except NotFound:
        return _not_found()
    refused = _limited("rating")
    if refused:
        return refused
    try:
        service.rate(code, request.form.get("rating", ""), request.form.get("rating_comment", ""))
    except NotFound:
        return redirect(url_for("portal.track", code=code))
    except ValidationFailed as exc:
        return render_template("portal/track.html", info=service.tracking(code), ratings=RATINGS,
                               new=None, errors=exc.errors), 400
    return redirect(url_for("portal.track", code=code, rated=1))


@bp.route("/board", methods=["GET"])
def board():
    page = page_arg(request.args)
    community = request.args.get("community") or None
    category = request.args.get("category") or None
    data = service.board(community, category, page)
    return render_template("portal/board.html", data=data, tree=service.org_tree(), categories=CATEGORIES,
                           community=community or "", category=category or "")


@bp.route("/board/photos/<upload_id>", methods=["GET"])
def photo(upload_id):
    if not service.public_photo_allowed(upload_id):
        return _not_found()
    try:
        upload = get_upload(upload_id)
    except NotFound:
        return _not_found()
    if not upload.content_type.startswith("image/"):
        return _not_found()
    response = send_file(upload_path(upload, current_app.config["GOVFLOW"].UPLOAD_DIR),
                         mimetype=upload.content_type, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
