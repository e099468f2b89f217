"""Administration of group robots: list, add, edit, disable, test; shown masked.

A robot's URL carries its access token and a DingTalk robot has a signing
secret: neither is ever shown back in full (:func:`robot_view`), and an edit that
leaves the secret blank keeps the stored one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import current_app
from sqlalchemy import select

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..identity.models import OrgUnit
from ..identity.service import get_org_unit
from ..outbox.egress import url_problem
from .models import ROBOT_KINDS, RobotEndpoint
from .robots import EVENTS, queue_test_message

_TOKEN_PARAMS = {"key", "access_token", "token"}
_SECRET = re.compile(r"^[A-Za-z0-9+/=_-]{8,200}$")


@dataclass
class RobotInput:
    name: str = ""
    kind: str = ""
    url: str = ""
    #: None or "" on an edit: keep the stored secret (or URL); clear_secret removes it.
    secret: str | None = None
    clear_secret: bool = False
    events: list[str] = field(default_factory=list)
    is_enabled: bool = True


def mask_secret(secret: str | None) -> str:
    return "" if not secret else secret[:3] + "****" + secret[-4:] if len(secret) > 10 else "****"


def mask_url(url: str) -> str:
    """The URL with its token parameters cut to their first four characters."""
    parts = urlsplit(url)
    query = [(k, v[:4] + "****" if k.lower() in _TOKEN_PARAMS and v else v)
             for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*")))


def robot_view(robot: RobotEndpoint, unit: OrgUnit | None = None) -> dict:
    unit = unit or db.session.get_one(OrgUnit, robot.org_unit_id)
    return {"id": robot.id, "org_unit": unit.code, "org_unit_name": unit.name, "name": robot.name,
            "kind": robot.kind, "url": mask_url(robot.url), "has_secret": bool(robot.signing_secret),
            "secret": mask_secret(robot.signing_secret), "events": list(robot.events or []),
            "is_enabled": robot.is_enabled, "created_at": robot.created_at}


def list_robots(unit_code: str | None = None) -> list[tuple[RobotEndpoint, OrgUnit]]:
    """Every robot, or those of one unit (NotFound for an unknown code), by unit path."""
    query = (select(RobotEndpoint, OrgUnit).join(OrgUnit, RobotEndpoint.org_unit_id == OrgUnit.id)
             .order_by(OrgUnit.path, RobotEndpoint.id))
    if unit_code:
        query = query.where(OrgUnit.id == get_org_unit(unit_code).id)
    return [(robot, unit) for robot, unit in db.session.execute(query)]


def get_robot(robot_id: int) -> RobotEndpoint:
    robot = db.session.get(RobotEndpoint, robot_id)
    if robot is None:
        raise NotFound("no such robot")
    return robot


def _validate(data: RobotInput, stored: RobotEndpoint | None = None) -> dict:
    """Raises ValidationFailed naming each bad field. On an edit (``stored``) a blank URL
    or secret keeps the stored one: the page shows them masked, so cannot send them back."""
    stored_secret = stored.signing_secret if stored else None
    errors: dict[str, list[str]] = {}
    name = (data.name or "").strip()
    if not name or len(name) > 120:
        errors["name"] = ["required, at most 120 characters"]
    if data.kind not in ROBOT_KINDS:
        errors["kind"] = [f"one of {', '.join(ROBOT_KINDS)}"]
    url = (data.url or "").strip() or (stored.url if stored else "")
    problem = url_problem(url, current_app.config["GOVFLOW"].ROBOT_ALLOW_PRIVATE_URLS)
    if problem or len(url) > 1000:
        errors["url"] = [f"an http(s) address of at most 1000 characters on a public host: {problem or 'too long'}"]
    unknown = [e for e in data.events if e not in EVENTS]
    if unknown:
        errors["events"] = [f"unknown event(s) {', '.join(map(str, unknown))}; one of {', '.join(EVENTS)}"]
    secret = (data.secret or "").strip() or (None if data.clear_secret else stored_secret)
    if secret and not _SECRET.match(secret):
        errors["secret"] = ["8 to 200 letters, digits or +/=_-"]
    if secret and data.kind != "dingtalk":
        errors["secret"] = ["only DingTalk robots sign their requests"]
    if errors:
        raise ValidationFailed("the robot has invalid fields", errors)
    return {"name": name, "kind": data.kind, "url": url, "signing_secret": secret,
            "events": list(dict.fromkeys(data.events)), "is_enabled": bool(data.is_enabled)}


def add_robot(unit_code: str, data: RobotInput) -> RobotEndpoint:
    """Raises NotFound (unit) or ValidationFailed."""
    unit = get_org_unit(unit_code)
    robot = RobotEndpoint(org_unit_id=unit.id, **_validate(data))
    db.session.add(robot)
    db.session.flush()
    return robot


def update_robot(robot_id: int, data: RobotInput) -> RobotEndpoint:
    """Raises NotFound or ValidationFailed; a blank URL or secret keeps the stored one."""
    robot = get_robot(robot_id)
    for key, value in _validate(data, robot).items():
        setattr(robot, key, value)
    return robot


def set_robot_enabled(robot_id: int, enabled: bool) -> RobotEndpoint:
    robot = get_robot(robot_id)
    robot.is_enabled = enabled
    return robot


def send_test(robot_id: int, sent_by: str) -> RobotEndpoint:
    """Queue a test message (delivered by the worker); a disabled robot gets none."""
    robot = get_robot(robot_id)
    if not robot.is_enabled:
        raise ValidationFailed("the robot is disabled", {"is_enabled": ["enable the robot to test it"]})
    queue_test_message(robot, sent_by)
    return robot
