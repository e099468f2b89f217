"""The sandbox child: a small process that runs diagram code under operating-system limits.

Started by :mod:`.pool` as ``python -I`` with only the sandbox package imported (no
Flask, no database, no SpiffWorkflow, no inherited file descriptors, no environment).
Before serving it caps its address space at its size after start-up plus
:data:`MEMORY_HEADROOM` and forbids core dumps and file writes; before each request it
sets its CPU-time limit to what it has used plus the request's limit, so a C call that
runs past it (``round(1, -10**8)``) is ended by the kernel even if the parent is gone.
Serves requests until its input closes; after a MemoryError it answers and exits, as
a heap that hit its limit is not trusted again.
"""
from __future__ import annotations

import os
import pickle
import resource
import traceback

from .errors import ResourceLimit
from .protocol import ChildLost, error_reply, read_frame, write_frame
from .runner import run_here

#: Address space a child may use beyond its size after start-up.
MEMORY_HEADROOM = 256 * 1024 * 1024
#: Objects and characters a result may hold, counted as JSON would write them: pickling
#: keeps shared parts shared (``x = [x, x]`` sixty times is small), JSON does not.
MAX_RESULT_OBJECTS = 1_000_000
MAX_RESULT_CHARS = 16_000_000


def main() -> None:
    requests, replies = 0, os.dup(1)
    os.dup2(2, 1)  # stdout carries frames only; a stray print goes to stderr
    _limit_resources()
    write_frame(replies, pickle.dumps(("ready", os.getpid())))
    while True:
        try:
            request = read_frame(requests)
        except ChildLost:
            return  # the parent closed our input or went away
        reply, fatal = _serve(request)
        write_frame(replies, reply)
        if fatal:
            return


def _limit_resources() -> None:
    page = os.sysconf("SC_PAGE_SIZE")
    with open("/proc/self/statm") as statm:
        baseline = int(statm.read().split()[0]) * page
    resource.setrlimit(resource.RLIMIT_AS, (baseline + MEMORY_HEADROOM, baseline + MEMORY_HEADROOM))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def _limit_cpu(seconds: float) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime + seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.getrlimit(resource.RLIMIT_CPU)[1]))


def _serve(request: bytes) -> tuple[bytes, bool]:
    try:
        mode, source, context, extra, time_limit = pickle.loads(request)
        _limit_cpu(time_limit)
        value = run_here(mode, source, context, extra, time_limit)
        _check_result_size(value)
        return pickle.dumps(("ok", value), protocol=pickle.HIGHEST_PROTOCOL), False
    except MemoryError:
        error = ResourceLimit("the evaluation exceeded the sandbox's memory limit")
        return pickle.dumps(error_reply(error, None, fatal=True)), True
    except Exception as exc:  # everything the code raised goes back, typed
        reply = error_reply(exc, _script_line(exc))
        try:
            return pickle.dumps(reply), False
        except MemoryError:
            return pickle.dumps(error_reply(ResourceLimit("out of memory"), None, fatal=True)), True


def _check_result_size(value) -> None:
    objects, chars, stack = 0, 0, [value]
    while stack:
        item = stack.pop()
        objects += 1
        chars += len(item) if isinstance(item, (str, bytes, bytearray)) else 0
        if objects > MAX_RESULT_OBJECTS or chars > MAX_RESULT_CHARS:
            raise ResourceLimit("the result exceeds the sandbox's size limit")
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)


def _script_line(exc: BaseException) -> int | None:
    """Line of the diagram's code where ``exc`` was raised ('<string>' is its file name)."""
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == "<string>"]
    return lines[-1] if lines else None
