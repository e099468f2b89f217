"""What passes between a calling process and its sandbox child, and how.

Frames are an 8-byte length and a pickle. Requests are plain data
``(mode, source, context, extra, time_limit)``; replies are ``("ok", value)`` or
``("error", kind, args, lineno, fatal)``. Replies are read with a deadline and a size
limit, and unpickled with a whitelist of value types: the child runs hostile code, so
its bytes are never trusted to name a function for the parent to call.
"""
from __future__ import annotations

import builtins
import io
import os
import pickle
import select
import struct
import time

from .errors import EvaluationTimeout, ResourceLimit, SandboxError, StepBudgetExceeded, UnsafeCode

#: Largest reply the parent reads: bigger means a value no task data should hold.
MAX_REPLY_BYTES = 16_000_000
_HEADER = struct.Struct("!Q")
_SANDBOX_ERRORS = {cls.__name__: cls for cls in (SandboxError, UnsafeCode, EvaluationTimeout,
                                                 ResourceLimit, StepBudgetExceeded)}
# Classes a value of task data may be made of (dict, list, str, numbers … need none).
_VALUE_CLASSES = {("builtins", name) for name in ("set", "frozenset", "complex", "bytearray", "range", "slice")} | {
    ("datetime", name) for name in ("datetime", "date", "time", "timedelta", "timezone")} | {
    ("decimal", "Decimal"), ("collections", "OrderedDict"), ("types", "SimpleNamespace")}


class ChildLost(Exception):
    """The child sent no complete reply: it died, or the deadline passed."""


class _ValueUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _VALUE_CLASSES:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a value the sandbox may return")


def load_reply(data: bytes):
    return _ValueUnpickler(io.BytesIO(data)).load()


def write_frame(fd: int, payload: bytes) -> None:
    view = memoryview(_HEADER.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view):]


def read_frame(fd: int, deadline: float | None = None, max_bytes: int | None = None) -> bytes:
    """One frame from ``fd``; raises ChildLost at end of file or when ``deadline``
    (monotonic) passes, ResourceLimit when the frame announces more than ``max_bytes``."""
    size = _HEADER.unpack(_read_exactly(fd, _HEADER.size, deadline))[0]
    if max_bytes is not None and size > max_bytes:
        raise ResourceLimit(f"the sandbox's reply of {size:,} bytes exceeds the limit of {max_bytes:,}")
    return _read_exactly(fd, size, deadline)


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, missing = [], size
    while missing:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise ChildLost("no reply before the deadline")
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            raise ChildLost("the sandbox process ended")
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def error_reply(exc: BaseException, lineno: int | None, fatal: bool = False) -> tuple:
    """The reply describing ``exc``: its class name and plain arguments."""
    if isinstance(exc, UnsafeCode):
        args: tuple = (exc.reason, exc.lineno)
    else:
        args = tuple(a if isinstance(a, (str, int, float, bool, type(None))) else repr(a)[:1000] for a in exc.args)
    return ("error", type(exc).__name__, args, lineno, fatal)


def rebuild_error(kind: str, args: tuple, lineno: int | None) -> Exception:
    """The exception a reply describes: a sandbox error or a built-in exception of the
    same class (what the code raised in the child), else a SandboxError naming it.
    ``sandbox_lineno`` carries the script line where it was raised."""
    cls = _SANDBOX_ERRORS.get(kind) or getattr(builtins, kind, None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        cls, args = SandboxError, (f"{kind}: {', '.join(map(str, args))}",)
    try:
        error = cls(*args)
    except TypeError:  # e.g. UnicodeDecodeError wants five arguments
        error = SandboxError(f"{kind}: {', '.join(map(str, args))}")
    # An attribute Exception does not declare: rebuilt errors carry the script line.
    setattr(error, "sandbox_lineno", lineno)  # noqa: B010
    return error
