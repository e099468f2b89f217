"""Posting to a group robot: DingTalk signing, and robots' errors inside HTTP 200.

WeCom and DingTalk robots answer HTTP 200 with ``{"errcode": …, "errmsg": …}``; a
non-zero errcode means the message was not posted. Most are worth another try
(rate limits: WeCom 45009, DingTalk 130101); a few never succeed and park the
message at once.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse

from ..extensions import db
from ..outbox.channels import DeliveryFailed, PermanentFailure, post_json
from .models import RobotEndpoint

#: errcodes that no retry can cure: invalid webhook key / token, signature or keyword refused.
PERMANENT_ERRCODES = {"wecom": {93000, 93004, 40008}, "dingtalk": {300001, 310000, 400101}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk custom-robot 加签: base64(HMAC-SHA256(secret, "timestamp\\nsecret"))."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """The robot URL with ``timestamp`` and ``sign``; signed at send time, as DingTalk
    refuses signatures older than an hour (so a retried message is signed afresh)."""
    timestamp_ms = timestamp_ms or int(time.time() * 1000)
    query = urllib.parse.urlencode({"timestamp": timestamp_ms, "sign": dingtalk_sign(secret, timestamp_ms)})
    return url + ("&" if "?" in url else "?") + query


def deliver_to_robot(robot_id: int, body: dict, idempotency_key: str) -> None:
    """Raises DeliveryFailed (retry) or PermanentFailure (robot gone, token refused)."""
    robot = db.session.get(RobotEndpoint, robot_id)
    if robot is None:
        raise PermanentFailure(f"robot {robot_id} was deleted")
    if not robot.is_enabled:
        raise PermanentFailure(f"robot {robot_id} is disabled")
    url = robot.url
    if robot.kind == "dingtalk" and robot.signing_secret:
        url = signed_url(url, robot.signing_secret)
    answer = post_json(url, body, idempotency_key)
    if robot.kind in PERMANENT_ERRCODES:
        _check_errcode(robot.kind, answer)


def _check_errcode(kind: str, answer: bytes) -> None:
    try:
        result = json.loads(answer.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DeliveryFailed("robot answered with something other than JSON") from None
    code = result.get("errcode", 0) if isinstance(result, dict) else 0
    if code in (0, None):
        return
    message = f"{kind} errcode {code}: {str(result.get('errmsg', ''))[:200]}"
    if code in PERMANENT_ERRCODES[kind]:
        raise PermanentFailure(message)
    raise DeliveryFailed(message)


def post_robot(payload: dict, idempotency_key: str) -> None:
    """The outbox channel ``robot``: a group robot of an org unit (``payload['robot_id']``)."""
    deliver_to_robot(payload["robot_id"], payload["body"], idempotency_key)
