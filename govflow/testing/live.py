"""Real processes on 127.0.0.1: gunicorn, a stdlib JSON client and a webhook server.

Every process started here is stopped by its own pid (SIGTERM, then SIGKILL) when its
``with`` block ends, also when the caller fails. Gunicorn runs without its control
socket (a fixed path under $HOME that a developer's own `make run` may hold) and
without an access log (one line per request is the operator's choice, not the
platform's cost).
"""
from __future__ import annotations

import abc
import http.client
import json
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def gunicorn(env: dict, log_path: Path, *, workers: int = 2, app: str = "wsgi:app", startup_limit: float = 90):
    """Yields ``(port, master Popen)`` once the API answers; ``env`` is the platform's
    environment (DATABASE_URL, SECRET_KEY …)."""
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
             "--worker-class", "sync", "--timeout", "120", "--graceful-timeout", "5", "--no-control-socket", app],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(port, process, log_path, startup_limit)
            yield port, process
        finally:
            stop(process, timeout=30)


def _wait_until_up(port: int, process: subprocess.Popen, log_path: Path, limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}: {log_path.read_text()[-3000:]}")
        try:
            if Client(port).request("GET", "/api/v1/openapi.json")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {limit:.0f} s")


def worker_pids(master_pid: int) -> list[int]:
    """gunicorn's workers: the children of its master."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master_pid:
                pids.append(int(entry.name))
    return sorted(pids)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


class Client:
    """A JSON client, one connection per request (gunicorn's sync workers close it
    after each response anyway). ``get`` and ``post`` put ``prefix`` before the path."""
    prefix = ""

    def __init__(self, port: int, token: str = "", timeout: float = 120):
        self.port, self.token, self.timeout = port, token, timeout

    def request(self, method: str, path: str, body=None) -> tuple[int, object, float]:
        """Returns (status, decoded JSON or None, seconds from sending to the last byte)."""
        headers = {"Connection": "close"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        elapsed = time.perf_counter() - started
        decoded = None
        if data and response.getheader("Content-Type", "").startswith("application/json"):
            decoded = json.loads(data)
        return response.status, decoded, elapsed

    def get(self, path: str):
        return self.request("GET", self.prefix + path)

    def upload(self, content: bytes, filename: str = "photo.png") -> str:
        """POST /api/v1/attachments (multipart field ``file``); returns the upload's id."""
        boundary = "govflow-" + uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        headers = {"Connection": "close", "Content-Type": f"multipart/form-data; boundary={boundary}"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request("POST", "/api/v1/attachments", body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        if response.status != 201:
            raise RuntimeError(f"upload answered {response.status}: {data[:200]!r}")
        return json.loads(data)["id"]

    def post(self, path: str, body=None):
        return self.request("POST", self.prefix + path, body)


class HookServer(abc.ABC):
    """A threaded HTTP server on 127.0.0.1 taking webhook POSTs; a subclass decides
    the answer in :meth:`answer` (it may read the request from ``handler``). It can be
    stopped and started again on the same port."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.server = None

    @abc.abstractmethod
    def answer(self, handler: BaseHTTPRequestHandler) -> tuple[int, dict | None]:
        """(status, JSON body or None) for one delivery."""

    def start(self):
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                status, body = hooks.answer(self)
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
