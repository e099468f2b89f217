"""Administration pages: group robots of org units, and the outbox (pending, retrying, dead)."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..admin.access import require_administrator
from ..database import undone_if_refused
from ..errors import ValidationFailed
from ..extensions import db
from ..identity.models import OrgUnit
from ..outbox import service as outbox
from ..web.setup import page_blueprint
from . import robot_admin as robots

bp = page_blueprint("robot_pages", __name__)
bp.url_prefix = "/admin"
KIND_LABELS = {"wecom": _l("WeCom robot"), "dingtalk": _l("DingTalk robot"), "webhook": _l("Generic webhook")}
#: The events as the pages word them (the robots' own texts are Chinese in any case).
EVENT_LABELS = {"case_reported": _l("Case reported"), "task_urged": _l("Task urged (催办)"),
                "task_overdue": _l("Task overdue"), "case_closed": _l("Case closed with result"),
                "rating_unsatisfied": _l("Resident unsatisfied")}


@bp.before_request
def _administrators_only():
    if getattr(g, "principal", None) is not None:
        require_administrator(g.principal)


@bp.route("/robots")
def robot_list():
    unit = request.args.get("org_unit") or None
    rows = [robots.robot_view(robot, u) for robot, u in robots.list_robots(unit)]
    return render_template("notifications/robots.html", rows=rows, unit=unit, units=_units(),
                           events=EVENT_LABELS, kinds=KIND_LABELS)


@bp.route("/robots/new", methods=["GET", "POST"])
@bp.route("/robots/<int:robot_id>/edit", methods=["GET", "POST"])
def robot_form(robot_id=None):
    robot = robots.robot_view(robots.get_robot(robot_id)) if robot_id else None
    errors: dict = {}
    if request.method == "POST":
        data = _input(request.form)
        try:
            with undone_if_refused():
                saved = robots.update_robot(robot_id, data) if robot_id else robots.add_robot(
                    request.form.get("org_unit", ""), data)
                flash(_("Robot saved."), "success")
                return redirect(url_for("robot_pages.robot_list", org_unit=robots.robot_view(saved)["org_unit"]), 303)
        except ValidationFailed as exc:
            errors = exc.errors
        robot = {**(robot or {}), **_form_echo(request.form)}
    return render_template("notifications/robot_form.html", robot=robot, editing=bool(robot_id), errors=errors,
                           units=_units(), events=EVENT_LABELS, kinds=KIND_LABELS), 422 if errors else 200


@bp.route("/robots/<int:robot_id>/enabled", methods=["POST"])
def robot_enabled(robot_id):
    robot = robots.set_robot_enabled(robot_id, request.form.get("enabled") == "1")
    flash(_("Robot enabled.") if robot.is_enabled else _("Robot disabled."), "success")
    return redirect(url_for("robot_pages.robot_list"), 303)


@bp.route("/robots/<int:robot_id>/test", methods=["POST"])
def robot_test(robot_id):
    try:
        with undone_if_refused():
            robots.send_test(robot_id, g.principal.username)
            flash(_("Test message queued; the worker sends it in a moment."), "success")
    except ValidationFailed as exc:
        flash(exc.message, "error")
    return redirect(url_for("robot_pages.robot_list"), 303)


@bp.route("/outbox")
def outbox_list():
    state = request.args.get("state", "dead")
    rows = [(m, outbox.describe(m)) for m in outbox.list_messages(state)]
    return render_template("notifications/outbox.html", rows=rows, state=state, counts=outbox.count_by_state())


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
def outbox_retry(message_id):
    outbox.retry_message(message_id)
    flash(_("Message queued again."), "success")
    return redirect(url_for("robot_pages.outbox_list", state="dead"), 303)


def _units() -> list[OrgUnit]:
    return list(db.session.scalars(select(OrgUnit).order_by(OrgUnit.path)))


def _input(form) -> robots.RobotInput:
    return robots.RobotInput(name=form.get("name", ""), kind=form.get("kind", ""), url=form.get("url", ""),
                             secret=form.get("secret") or None, clear_secret=form.get("clear_secret") == "1",
                             events=form.getlist("events"), is_enabled=form.get("is_enabled") == "1")


def _form_echo(form) -> dict:
    """What was typed, shown again after an error (never the secret)."""
    return {"org_unit": form.get("org_unit", ""), "name": form.get("name", ""), "kind": form.get("kind", ""),
            "url": form.get("url", ""), "events": form.getlist("events"),
            "is_enabled": form.get("is_enabled") == "1"}
