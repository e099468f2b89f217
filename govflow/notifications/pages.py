"""The notifications page: newest first; opening one marks it read."""
from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from ..web.paging import page_arg
from ..web.setup import page_blueprint
from .service import list_notifications, mark_all_read, mark_read

bp = page_blueprint("notifications", __name__)
PAGE_SIZE = 30


@bp.route("/notifications")
def notification_list():
    page = page_arg(request.args)
    rows, total = list_notifications(g.principal.user_id, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    return render_template("notifications.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)))


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"])
def open_notification(notification_id):
    note = mark_read(notification_id, g.principal.user_id)
    if note.task_id:
        return redirect(url_for("worklist.task_detail", task_id=note.task_id), 303)
    return redirect(url_for("notifications.notification_list"), 303)


@bp.route("/notifications/read-all", methods=["POST"])
def read_all():
    mark_all_read(g.principal.user_id)
    return redirect(url_for("notifications.notification_list"), 303)
