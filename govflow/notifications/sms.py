"""SMS to residents: a sender interface, a logging sender for development.

Messages are queued in the outbox (channel ``sms``) in the transaction that
caused them and sent by the worker through the sender named by the setting
SMS_BACKEND. Gateways (Aliyun, Tencent Cloud) send by template code and
parameters, so that is the interface; ``text`` is the rendered message for the
development log and for gateways that take free text.
"""
from __future__ import annotations

import logging
from typing import Protocol

from ..outbox.service import enqueue_once
from ..privacy.masking import mask_phone, mask_text

log = logging.getLogger("govflow.sms")


class SmsSender(Protocol):
    def send(self, phone: str, template_code: str, params: dict) -> None:
        """Send or raise govflow.outbox.channels.DeliveryFailed (retried with backoff)."""


class LogSmsSender:
    """Development: writes the message to the log (phone masked) instead of sending it."""

    def __init__(self):
        self.sent: list[tuple[str, str, dict]] = []

    def send(self, phone: str, template_code: str, params: dict) -> None:
        masked = mask_phone(phone)
        self.sent.append((masked, template_code, params))
        log.info("SMS %s to %s: %s [%s]", template_code, masked, mask_text(params.get("text", "")),
                 params.get("idempotency_key", ""))


#: SMS_BACKEND values; a gateway sender registers here.
SENDERS: dict[str, type] = {"log": LogSmsSender}
_instances: dict[str, SmsSender] = {}


def sms_sender() -> SmsSender:
    from flask import current_app
    backend = current_app.config["GOVFLOW"].SMS_BACKEND
    if backend not in _instances:
        _instances[backend] = SENDERS[backend]()
    return _instances[backend]


def queue_sms(phone: str, template_code: str, params: dict, text: str, idempotency_key: str,
              **extra) -> None:
    """Queue an SMS for after the commit, once per key. Only for a resident who consented."""
    enqueue_once("sms", {"phone": phone, "template": template_code, "params": params, "text": text, **extra},
                 idempotency_key)


def send_sms(payload: dict, idempotency_key: str) -> None:
    """The outbox channel ``sms``: through the sender chosen by the setting SMS_BACKEND."""
    sms_sender().send(payload.get("phone", ""), payload.get("template", "text"),
                      {**(payload.get("params") or {}), "text": payload.get("text", ""),
                       "idempotency_key": idempotency_key})
