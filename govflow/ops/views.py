"""Probes and metrics: unauthenticated probes that say nothing but up/ready, and
/metrics behind a bearer token (404 while no token is configured)."""
from __future__ import annotations

import hmac

from flask import Blueprint, Response, current_app, jsonify, request

from ..errors import NotFound, Unauthorized
from .health import check_readiness
from .metrics import render

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    readiness = check_readiness(current_app.config["GOVFLOW"].WORKER_HEARTBEAT_MAX_AGE)
    if readiness.is_ready:
        return jsonify(status="ready")
    return jsonify(status="not ready", failed=readiness.failed), 503


@bp.get("/metrics")
def metrics():
    token = current_app.config["GOVFLOW"].METRICS_TOKEN
    if not token:
        raise NotFound("not found")
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(sent.encode(), token.encode()):
        raise Unauthorized("a valid metrics token is required")
    return Response(render(), mimetype="text/plain; version=0.0.4; charset=utf-8")


@bp.after_request
def _uncached(response):
    response.headers["Cache-Control"] = "no-store"
    return response
