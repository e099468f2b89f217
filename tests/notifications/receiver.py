"""A webhook receiver on 127.0.0.1 (threaded http.server) that records each request.

It can answer as a WeCom/DingTalk robot does (HTTP 200 with an errcode body),
verify DingTalk signatures, and be stopped and started again on the same port.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from govflow.testing.live import HookServer


@dataclass
class Received:
    path: str
    query: dict
    key: str
    body: dict


class Receiver(HookServer):
    """Records requests; ``answers`` is a list of (status, json body) served in turn,
    then ``default``. ``secrets`` maps a path to the DingTalk secret it checks."""

    def __init__(self, port: int | None = None):
        super().__init__(port)
        self.received: list[Received] = []
        self.answers: list[tuple[int, dict]] = []
        self.default: tuple[int, dict] = (200, {"errcode": 0, "errmsg": "ok"})
        self.secrets: dict[str, str] = {}
        self.bad_signatures = 0
        self._lock = threading.Lock()

    def url(self, path: str = "/hook", query: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}" + (f"?{query}" if query else "")

    def _signed(self, path: str, query: dict) -> bool:
        secret = self.secrets.get(path)
        if secret is None:
            return True
        timestamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
        expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                                             hashlib.sha256).digest()).decode()
        return bool(timestamp) and hmac.compare_digest(sign, expected)

    def answer(self, handler) -> tuple[int, dict]:
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query)
        body = json.loads(handler.rfile.read(int(handler.headers["Content-Length"])))
        with self._lock:
            if not self._signed(parts.path, query):
                self.bad_signatures += 1
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
            status, answer = self.answers.pop(0) if self.answers else self.default
            if status == 200 and not answer.get("errcode"):
                self.received.append(Received(parts.path, query, handler.headers["Idempotency-Key"], body))
        return status, answer

    def keys(self, path: str | None = None) -> list[str]:
        return [r.key for r in self.received if path is None or r.path == path]

    def events(self, path: str) -> list[str]:
        """The events a path received, from the Idempotency-Key ``robot:<id>:<event>:<uuid>``."""
        return [r.key.split(":")[2] for r in self.received if r.path == path]
