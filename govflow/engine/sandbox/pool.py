"""Sandbox children, kept per process and handed out one evaluation at a time.

Code that calls functions may spend its whole time inside one C call, where neither
the deadline checks nor a signal handler run, and may grow memory by gigabytes. So it
runs in a child process (:mod:`.child`) whose CPU time and address space the kernel
limits, and which the caller kills when the wall-clock deadline passes.

Children are started lazily, on first use in each process, with ``subprocess`` (a fresh
interpreter, never a fork of a large gunicorn worker). A pool remembers the pid that
started its children: after a fork the new process forgets them and starts its own.
Threads each take a child of their own from the pool; at most :data:`MAX_IDLE` wait
between evaluations, the rest are closed. Children are reaped at exit.
"""
from __future__ import annotations

import atexit
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from .errors import EvaluationTimeout, ResourceLimit, SandboxError, UnsafeCode
from .protocol import MAX_REPLY_BYTES, ChildLost, load_reply, read_frame, rebuild_error, write_frame

MAX_IDLE = 4              #: children kept waiting per process
KILL_GRACE = 0.5          #: seconds past the time limit before the child is killed
STARTUP_TIMEOUT = 15.0    #: seconds a new child may take to say it is ready
# Loads the sandbox package alone, under a name of its own, so that importing it runs
# neither govflow/__init__ (Flask, the database) nor govflow/engine (SpiffWorkflow).
_BOOTSTRAP = """\
import importlib.util, sys
path = sys.argv[1]
spec = importlib.util.spec_from_file_location(
    "govflow_sandbox", path + "/__init__.py", submodule_search_locations=[path])
module = importlib.util.module_from_spec(spec)
sys.modules["govflow_sandbox"] = module
spec.loader.exec_module(module)
from govflow_sandbox.child import main
main()
"""


#: Told (no arguments) whenever a child is killed or retired after a fatal error (its
#: own time or memory limit) and will be replaced: the metrics count these
#: (govflow/ops); a listener must not raise.
kill_listeners: list = []


def _replaced() -> None:
    for listener in kill_listeners:
        listener()


class _Child:
    """One sandbox process and the pipes to it."""

    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOTSTRAP, str(Path(__file__).parent)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={"PATH": os.environ.get("PATH", "")})
        try:
            read_frame(self.process.stdout.fileno(), time.monotonic() + STARTUP_TIMEOUT, 1024)
        except ChildLost as lost:
            self.kill()
            raise SandboxError(f"the sandbox process did not start ({lost})") from None

    def call(self, request: bytes, deadline: float) -> tuple:
        write_frame(self.process.stdin.fileno(), request)
        return load_reply(read_frame(self.process.stdout.fileno(), deadline, MAX_REPLY_BYTES))

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        _replaced()  # also when its own limits ended it first (SIGXCPU)
        self.close()

    def close(self) -> None:
        """Close the pipes (an idle child then exits) and reap the process."""
        for pipe in (self.process.stdin, self.process.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        try:
            self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def forget(self) -> None:
        """Drop this process's copies of the pipes without touching the child (which
        belongs to the process we were forked from)."""
        for pipe in (self.process.stdin, self.process.stdout):
            pipe.close()
        self.process.returncode = 0  # so that Popen never waits for another's child


class SandboxPool:
    def __init__(self, max_idle: int = MAX_IDLE):
        self.max_idle = max_idle
        self._idle: list[_Child] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def run(self, mode: str, source: str, context: dict, extra: dict | None, time_limit: float):
        """Run ``source`` in a child and return its value (``mode`` "eval") or the new
        context ("exec"). Raises what the code raised, EvaluationTimeout when the child
        had to be killed, ResourceLimit when it ran out of memory or its reply is too big,
        UnsafeCode when the context holds something that is not plain data."""
        try:
            request = pickle.dumps((mode, source, context, extra, time_limit), protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise UnsafeCode(f"only plain data can be handed to the sandbox ({exc})") from None
        child = self._take()
        try:
            reply = child.call(request, time.monotonic() + time_limit + KILL_GRACE)
        except ChildLost:
            child.kill()
            raise _lost(child, time_limit) from None
        except (ResourceLimit, pickle.UnpicklingError, OSError) as exc:
            child.kill()
            raise exc if isinstance(exc, ResourceLimit) else SandboxError(f"unreadable sandbox reply ({exc})") from None
        if reply[0] == "ok":
            self._give_back(child)
            return reply[1]
        _, kind, args, lineno, fatal = reply
        if fatal:
            child.close()
            _replaced()
        else:
            self._give_back(child)
        raise rebuild_error(kind, args, lineno)

    def _take(self) -> _Child:
        with self._lock:
            if self._pid != os.getpid():  # forked: the children are the parent's
                for child in self._idle:
                    child.forget()
                self._idle, self._pid = [], os.getpid()
            while self._idle:
                child = self._idle.pop()
                if child.process.poll() is None:
                    return child
                child.close()  # died while idle (the OOM killer, say): reap it
        return _Child()

    def _give_back(self, child: _Child) -> None:
        with self._lock:
            if self._pid == os.getpid() and len(self._idle) < self.max_idle:
                self._idle.append(child)
                return
        child.close()

    def close(self) -> None:
        with self._lock:
            children, self._idle = self._idle, []
            mine = self._pid == os.getpid()
        for child in children:
            child.close() if mine else child.forget()


def _lost(child: _Child, time_limit: float) -> Exception:
    if child.process.returncode in (-signal.SIGKILL, -signal.SIGXCPU, None):
        return EvaluationTimeout(f"evaluation exceeded its time limit of {time_limit:g} s "
                                 f"(the sandbox process was stopped)")
    return ResourceLimit(f"the sandbox process ended with status {child.process.returncode}")


pool = SandboxPool()
atexit.register(pool.close)
