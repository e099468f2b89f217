"""What every page shows: navigation counts, times in the local zone, deadline lights."""
from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_babel import format_datetime, format_timedelta, get_locale
from flask_babel import gettext as _

from ..extensions import db
from ..identity.models import User
from ..notifications.service import unread_count
from ..timeutil import as_aware, utcnow
from ..worklist.inbox import count_lists, deadline_light
from . import names
from .setup import LANGUAGES


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["dt"] = _datetime
    app.jinja_env.filters["due"] = _due_text
    app.jinja_env.globals["light_of"] = light_of
    app.jinja_env.globals["user_label"] = user_label
    app.jinja_env.globals["kind_label"] = kind_label
    names.register(app)

    @app.context_processor
    def _navigation():
        principal = g.get("principal")
        if principal is None or request.blueprint in (None, "auth"):
            return {"languages": LANGUAGES, "locale": str(get_locale() or "")}
        return {"languages": LANGUAGES, "locale": str(get_locale() or ""), "principal": principal,
                "nav_counts": count_lists(principal), "unread": unread_count(principal.user_id)}


def _datetime(value, pattern="yyyy-MM-dd HH:mm") -> str:
    return format_datetime(as_aware(value), pattern) if value else ""


def _due_text(value) -> str:
    """"in 3 hours" / "2 days ago", in the page's language."""
    if not value:
        return ""
    return format_timedelta(value - utcnow(), granularity="minute", add_direction=True, threshold=1.1)


def light_of(task) -> str | None:
    return deadline_light(task, utcnow(), current_app.config["GOVFLOW"].SLA_YELLOW_AT)


def user_label(user_id) -> str:
    """Display name of a user, cached for the request."""
    if user_id is None:
        return ""
    cache = g.setdefault("_user_labels", {})
    if user_id not in cache:
        user = db.session.get(User, user_id)
        cache[user_id] = (user.display_name or user.username) if user else "?"
    return cache[user_id]


def dossier_words(key: str) -> str:
    """Headings and statuses of the printed 案卷 (worklist/dossier.py), then event kinds."""
    return {
        "Case file": _("Case file"), "Case details": _("Case details"), "Item": _("Item"), "Value": _("Value"),
        "Steps": _("Steps"), "Step": _("Step"), "Handler": _("Handler"), "Reached": _("Reached"),
        "Done": _("Done"), "Status": _("Status"), "Timeline": _("Timeline"), "Time": _("Time"),
        "Who": _("Who"), "What": _("What"), "Comment": _("Comment"), "Photos": _("Photos"),
        "Yes": _("Yes"), "No": _("No"), "open": _("Open"), "completed": _("Completed"),
        "cancelled": _("Withdrawn"),
    }.get(key) or kind_label(key)


def dossier_time(value) -> str:
    return _datetime(value)


def kind_label(kind: str) -> str:
    """Words for audit events and notifications."""
    return {
        "instance_started": _("Started the case"),
        "task_created": _("Step reached"),
        "task_claimed": _("Claimed"),
        "task_unclaimed": _("Gave back"),
        "task_completed": _("Completed"),
        "task_cancelled": _("Step withdrawn"),
        "task_transferred": _("Transferred"),
        "task_delegated": _("Delegated"),
        "task_resolved": _("Resolved back"),
        "task_copied": _("Copied"),
        "task_urged": _("Urged"),
        "task_commented": _("Commented"),
        "attachment_added": _("Added an attachment"),
        "instance_moved": _("Returned"),
        "instance_completed": _("Case closed"),
        "instance_suspended": _("Suspended"),
        "instance_resumed": _("Resumed"),
        "instance_terminated": _("Terminated"),
        "incident": _("System error"),
        "incident_retried": _("Retried"),
        "message_received": _("Message received"),
        "task_assigned": _("Assigned to you"),
        "task_returned": _("Returned to you"),
        "urged": _("Urged"),
        "overdue": _("Overdue"),
        "copied": _("Copied to you"),
        "cosigner_added": _("Added a co-signer"),
        "cosign_handed": _("Completed; awaiting co-signature"),
        "task_cosigned": _("Co-signed"),
        "cosign_refused": _("Refused to co-sign"),
        "task_withdrawn": _("Withdrew the step"),
        "cosign_requested": _("Asked to co-sign"),
        "cosigned": _("Co-signature given"),
        "withdrawn": _("Withdrawn by the one who completed it"),
    }.get(kind, kind)
