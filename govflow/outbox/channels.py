"""Delivery channels for outbox messages, registered by name."""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Callable

log = logging.getLogger("govflow.outbox")
Channel = Callable[[dict, str], None]
_CHANNELS: dict[str, Channel] = {}


class DeliveryFailed(Exception):
    """Try again later."""


class PermanentFailure(DeliveryFailed):
    """Trying again cannot help (revoked robot token, robot deleted): park it at once."""


def channel(name: str):
    def register(fn: Channel) -> Channel:
        _CHANNELS[name] = fn
        return fn
    return register


def get_channel(name: str) -> Channel | None:
    return _CHANNELS.get(name)


def post_json(url: str, body: dict, idempotency_key: str, timeout: float = 10) -> bytes:
    """POST ``body`` as JSON with an Idempotency-Key; returns the response body.

    Raises DeliveryFailed for a network error or an answer other than 2xx. The URL
    is left out of the error: robot URLs carry the robot's token.
    """
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "Idempotency-Key": idempotency_key})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if response.status >= 300:
                raise DeliveryFailed(f"HTTP {response.status}")
            return response.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryFailed(str(getattr(exc, "reason", exc))) from None


@channel("webhook")
def post_webhook(payload: dict, idempotency_key: str) -> None:
    """POST ``payload['body']`` as JSON to ``payload['url']`` with an Idempotency-Key."""
    post_json(payload["url"], payload.get("body", {}), idempotency_key)


@channel("robot")
def post_robot(payload: dict, idempotency_key: str) -> None:
    """A group robot of an org unit (``payload['robot_id']``), signed and checked as its kind wants."""
    from ..notifications.delivery import deliver_to_robot
    deliver_to_robot(payload["robot_id"], payload["body"], idempotency_key)


@channel("sms")
def send_sms(payload: dict, idempotency_key: str) -> None:
    """An SMS through the sender chosen by the setting SMS_BACKEND."""
    from ..notifications.sms import sms_sender
    sms_sender().send(payload.get("phone", ""), payload.get("template", "text"),
                      {**(payload.get("params") or {}), "text": payload.get("text", ""),
                       "idempotency_key": idempotency_key})
