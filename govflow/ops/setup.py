"""``init_ops(app)``: the one call create_app makes for logs, request ids and metrics."""
from __future__ import annotations

from flask import Flask

from ..engine.sandbox.pool import kill_listeners
from .logs import configure_logging, install_request_logging
from .metrics import count_sandbox_kill, observe_request


def init_ops(app: Flask) -> None:
    configure_logging(app.config["GOVFLOW"].LOG_FORMAT)
    install_request_logging(app, observe=observe_request)
    if count_sandbox_kill not in kill_listeners:  # create_app may run more than once
        kill_listeners.append(count_sandbox_kill)
