"""Delivery channels for outbox messages, registered by name."""
from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
from collections.abc import Callable

from flask import current_app

from .egress import AddressRefused, host_of, resolve_public

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


def register_channel(name: str, fn: Channel) -> None:
    """Another domain's channel (notifications registers ``robot`` and ``sms``), so the
    outbox knows channels by name and imports none of them."""
    _CHANNELS[name] = fn


def get_channel(name: str) -> Channel | None:
    return _CHANNELS.get(name)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address egress checked, whatever DNS answers now."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address; the certificate is still verified for the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post_json(url: str, body: dict, idempotency_key: str, timeout: float = 10,
              allow_private: bool | None = None) -> bytes:
    """POST ``body`` as JSON with an Idempotency-Key; returns the response body.

    The host is resolved and checked (govflow/outbox/egress.py) and the request goes
    to the checked address; no redirect is followed. Raises PermanentFailure for an
    address the platform may not reach, DeliveryFailed for a network error or an
    answer other than 2xx. The URL is left out of errors: robot URLs carry tokens.
    """
    if allow_private is None:
        allow_private = current_app.config["GOVFLOW"].ROBOT_ALLOW_PRIVATE_URLS
    try:
        parts, address = resolve_public(url, allow_private)
    except AddressRefused as exc:
        raise PermanentFailure(f"address refused: {exc}") from None
    except OSError as exc:
        raise DeliveryFailed(f"cannot resolve the host: {exc}") from None
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    default_port = 443 if parts.scheme == "https" else 80
    connection = connection_class(host_of(parts), parts.port or default_port, address, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=data, headers={
            "Content-Type": "application/json; charset=utf-8", "Idempotency-Key": idempotency_key})
        response = connection.getresponse()
        if not 200 <= response.status < 300:
            raise DeliveryFailed(f"HTTP {response.status}")
        return response.read(65536)
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryFailed(str(getattr(exc, "reason", exc)) or type(exc).__name__) from None
    finally:
        connection.close()


@channel("webhook")
def post_webhook(payload: dict, idempotency_key: str) -> None:
    """POST ``payload['body']`` as JSON to ``payload['url']`` with an Idempotency-Key."""
    post_json(payload["url"], payload.get("body", {}), idempotency_key)
