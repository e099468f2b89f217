from __future__ import annotations

from ..instances.service import send_message
from .auth import api_blueprint, principal
from .schemas import MessageResultSchema, MessageSchema

PREFIX = "/messages"
blp = api_blueprint("messages", "Messages from other systems (ratings, replies)")


@blp.route("", methods=["POST"])
@blp.arguments(MessageSchema)
@blp.response(200, MessageResultSchema)
def post_message(args):
    ids = send_message(principal(), args["name"], args["business_key"], args["instance_id"],
                       args["variables"])
    return {"instance_ids": ids}
