"""Group robots of org units and the outbox, over REST (administrators only)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..admin.access import require_administrator
from ..notifications import robot_admin as robots
from ..notifications.models import ROBOT_KINDS
from ..notifications.robots import EVENTS
from ..outbox.service import STATES, describe, list_messages, message_state, retry_message
from .auth import api_blueprint, principal

PREFIX = "/notifications"
blp = api_blueprint("robots", "Group robots (WeCom/DingTalk) per org unit and the outbox")


@blp.before_request
def _administrators_only():
    require_administrator(principal())


class RobotSchema(Schema):
    id = fields.Int(dump_only=True)
    org_unit = fields.Str(required=True, metadata={"description": "org unit code"})
    org_unit_name = fields.Str(dump_only=True)
    name = fields.Str(required=True)
    kind = fields.Str(required=True, validate=validate.OneOf(ROBOT_KINDS))
    url = fields.Str(required=True, metadata={"description": "shown back with its token masked"})
    secret = fields.Str(load_default=None, allow_none=True,
                        metadata={"description": "DingTalk signing secret; shown back masked"})
    clear_secret = fields.Bool(load_default=False, load_only=True)
    has_secret = fields.Bool(dump_only=True)
    events = fields.List(fields.Str(validate=validate.OneOf(list(EVENTS))), load_default=list)
    is_enabled = fields.Bool(load_default=True)
    created_at = fields.DateTime(dump_only=True)


class RobotUpdateSchema(RobotSchema):
    org_unit = fields.Str(dump_only=True)
    url = fields.Str(load_default=None, metadata={"description": "missing or empty: keep the stored URL"})


class RobotQuerySchema(Schema):
    org_unit = fields.Str(load_default=None)


class OutboxQuerySchema(Schema):
    state = fields.Str(load_default="dead", validate=validate.OneOf(STATES))


class OutboxMessageSchema(Schema):
    id = fields.Int()
    channel = fields.Str()
    state = fields.Str()
    summary = fields.Str()
    idempotency_key = fields.Str()
    attempts = fields.Int()
    created_at = fields.DateTime()
    next_attempt_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)
    failed_at = fields.DateTime(allow_none=True)
    last_error = fields.Str(allow_none=True)


def _input(args: dict) -> robots.RobotInput:
    return robots.RobotInput(name=args["name"], kind=args["kind"], url=args["url"], secret=args.get("secret"),
                             clear_secret=args.get("clear_secret", False), events=args.get("events") or [],
                             is_enabled=args.get("is_enabled", True))


def _message_out(m) -> dict:
    return {"id": m.id, "channel": m.channel, "state": message_state(m), "summary": describe(m),
            "idempotency_key": m.idempotency_key, "attempts": m.attempts, "created_at": m.created_at,
            "next_attempt_at": m.next_attempt_at, "delivered_at": m.delivered_at, "failed_at": m.failed_at,
            "last_error": m.last_error}


@blp.route("/robots")
@blp.arguments(RobotQuerySchema, location="query")
@blp.response(200, RobotSchema(many=True))
def list_robots(args):
    return [robots.robot_view(robot, unit) for robot, unit in robots.list_robots(args["org_unit"])]


@blp.route("/robots", methods=["POST"])
@blp.arguments(RobotSchema)
@blp.response(201, RobotSchema)
def add_robot(args):
    return robots.robot_view(robots.add_robot(args["org_unit"], _input(args)))


@blp.route("/robots/<int:robot_id>")
@blp.response(200, RobotSchema)
def show_robot(robot_id):
    return robots.robot_view(robots.get_robot(robot_id))


@blp.route("/robots/<int:robot_id>", methods=["PUT"])
@blp.arguments(RobotUpdateSchema)
@blp.response(200, RobotSchema)
def update_robot(args, robot_id):
    """Replaces the robot's settings; a missing or empty ``url`` or ``secret`` keeps the stored one."""
    return robots.robot_view(robots.update_robot(robot_id, _input(args)))


@blp.route("/robots/<int:robot_id>/test", methods=["POST"])
@blp.response(202, RobotSchema)
def test_robot(robot_id):
    """Queues a test message; the worker delivers it."""
    return robots.robot_view(robots.send_test(robot_id, principal().username))


@blp.route("/outbox")
@blp.arguments(OutboxQuerySchema, location="query")
@blp.response(200, OutboxMessageSchema(many=True))
def outbox(args):
    return [_message_out(m) for m in list_messages(args["state"])]


@blp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@blp.response(200, OutboxMessageSchema)
def retry(message_id):
    return _message_out(retry_message(message_id))
