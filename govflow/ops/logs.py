"""Structured logs: one JSON object per line, each tied to its request or job.

What a line may carry is fixed here, not left to each call: the request id, the
signed-in user's numeric id, the route *pattern* (``/tasks/<int:task_id>``, never
the raw path or query string, which can hold names, phone numbers or tokens), the
status and the duration. No client addresses, no form data, no headers. An
exception keeps its type and its frames (file, line, function) but neither its
message nor source lines: database drivers echo SQL parameters — citizens' data —
into theirs.
"""
from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
import time
import traceback
import uuid
from datetime import UTC, datetime

from flask import Flask, g, request

#: What an incoming X-Request-Id may look like to be kept (nginx's $request_id, a
#: UUID, a load balancer's trace id); anything else is replaced, so a client
#: cannot inject quotes, newlines or kilobytes into every log line.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}\Z")
HEADER = "X-Request-Id"
#: Endpoints whose successful answers are not logged: probes poll every few seconds.
QUIET = {"ops.healthz", "ops.readyz", "ops.metrics", "static"}

_context: contextvars.ContextVar[dict] = contextvars.ContextVar("log_context")
log = logging.getLogger("govflow.access")
job_log = logging.getLogger("govflow.jobs")


def new_id() -> str:
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {"ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        line.update(getattr(record, "context", {}))
        line.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0] is not None:
            kind, _value, tb = record.exc_info
            line["exc_type"] = f"{kind.__module__}.{kind.__qualname__}"
            line["stack"] = [f"{frame.filename}:{frame.lineno} {frame.name}" for frame in traceback.extract_tb(tb)]
        return json.dumps(line, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extra = {**getattr(record, "context", {}), **getattr(record, "fields", {})}
        return text + ("  " + " ".join(f"{k}={v}" for k, v in extra.items()) if extra else "")


def uses_json(log_format: str) -> bool:
    if log_format != "auto":
        return log_format == "json"
    return "gunicorn.arbiter" in sys.modules or not sys.stderr.isatty()


def _stamped(factory):
    """Records carry their request's or job's ids from the moment they are made, so a
    handler that formats later (a queue, pytest's capture) still knows them."""
    def make(*args, **kwargs):
        record = factory(*args, **kwargs)
        record.context = _context.get({})  # a fresh dict: a shared default could be mutated
        return record
    make.stamps_context = True
    return make


def configure_logging(log_format: str) -> None:
    """Stamp records with their context; install the one root handler, unless something
    (pytest, an embedding application) has configured logging already."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "stamps_context", False):
        logging.setLogRecordFactory(_stamped(factory))
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if uses_json(log_format) else PlainFormatter())
    root.addHandler(handler)
    root.setLevel(logging.INFO)


@contextlib.contextmanager
def job(name: str, **fields):
    """Tie the log lines inside the block to one job id; ends with one line naming the
    job, its outcome and duration. ``fields`` must be ids and counts, never data. The
    block may set ``outcome["quiet"] = True`` (an idle pass): then no line, unless it failed."""
    token = _context.set({"job_id": new_id(), "job": name})
    started = time.perf_counter()
    outcome = {"outcome": "ok"}
    try:
        yield outcome
    except BaseException:
        outcome["outcome"] = "error"
        raise
    finally:
        if not outcome.pop("quiet", False) or outcome["outcome"] != "ok":
            job_log.info("job %s", name, extra={"fields": {
                **fields, **outcome, "duration_ms": round((time.perf_counter() - started) * 1000, 1)}})
        _context.reset(token)


def install_request_logging(app: Flask, observe=None) -> None:
    """Request ids in and out, and one access line per request. ``observe(endpoint,
    method, status, seconds)`` is told of every request (the metrics)."""

    @app.before_request
    def _start():
        incoming = request.headers.get(HEADER, "")
        g.request_id = incoming if REQUEST_ID.match(incoming) else new_id()
        g.started = time.perf_counter()
        g.log_token = _context.set({"request_id": g.request_id})

    @app.after_request
    def _finish(response):
        request_id = g.get("request_id")
        if request_id is None:  # an error before before_request ran
            return response
        response.headers[HEADER] = request_id
        endpoint = request.endpoint or "unmatched"
        seconds = time.perf_counter() - g.get("started", time.perf_counter())
        if observe is not None:
            observe(endpoint, request.method, response.status_code, seconds)
        if endpoint not in QUIET or response.status_code >= 400:
            principal = g.get("principal")
            rule = request.url_rule.rule if request.url_rule is not None else None
            log.info("request", extra={"fields": {
                "user_id": principal.user_id if principal is not None else None,
                "method": request.method, "route": rule, "endpoint": endpoint,
                "status": response.status_code, "duration_ms": round(seconds * 1000, 1)}})
        return response

    @app.teardown_request
    def _forget(_exc):
        token = g.pop("log_token", None)
        if token is not None:
            with contextlib.suppress(ValueError):  # set in another context (a streamed response)
                _context.reset(token)
