from __future__ import annotations

from ..instances.service import deliver_message
from .auth import api_blueprint, principal
from .schemas import MessageResultSchema, MessageSchema

PREFIX = "/messages"
blp = api_blueprint("messages", "Messages from other systems (ratings, replies)")


@blp.route("", methods=["POST"])
@blp.arguments(MessageSchema)
@blp.response(200, MessageResultSchema)
def send_message(args):
    ids = deliver_message(args["name"], args["business_key"], args["instance_id"],
                          args["variables"], principal().user_id)
    return {"instance_ids": ids}
