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


def channel(name: str):
    def register(fn: Channel) -> Channel:
        _CHANNELS[name] = fn
        return fn
    return register


def get_channel(name: str) -> Channel | None:
    return _CHANNELS.get(name)


@channel("webhook")
def post_webhook(payload: dict, idempotency_key: str) -> None:
    """POST ``payload['body']`` as JSON to ``payload['url']`` with an Idempotency-Key."""
    body = json.dumps(payload.get("body", {}), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(payload["url"], data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "Idempotency-Key": idempotency_key})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            if response.status >= 300:
                raise DeliveryFailed(f"HTTP {response.status}")
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryFailed(str(exc)) from exc


@channel("sms")
def log_sms(payload: dict, idempotency_key: str) -> None:
    """Development SMS sender: writes the message to the log instead of a gateway."""
    log.info("SMS to %s: %s [%s]", _mask(payload.get("phone", "")), payload.get("text", ""), idempotency_key)


def _mask(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"
