"""Per-evaluation cost of the sandbox: in the calling process vs in a sandbox child.

    .venv/bin/python -m benchmarks.sandbox_eval
"""
from __future__ import annotations

import time

from govflow.engine import sandbox
from govflow.engine.script_engine import python_source

CASES = [
    ("condition ${approved}", "eval", python_source("${approved}")),
    ("condition x > 3", "eval", "x > 3"),
    ("JUEL ${order.amount > 100}", "eval", python_source("${order.amount > 100}")),
    ("DMN cell (x) == (3)", "eval", "(x) == (3)"),
    ("expression len(str(x)) + max(x, 1)", "eval", "len(str(x)) + max(x, 1)"),
    ("script of 4 lines", "exec", "total = x * 2\nitems = sorted([x, 1, 2])\nok = total > 3\nlabel = str(total)"),
]
CONTEXT = {"approved": True, "x": 5, "order": {"amount": 120}, "title": "路灯不亮" * 10}


def per_call_us(mode: str, source: str, isolation: str, rounds: int = 2000) -> float:
    sandbox.configure(isolation)
    run = sandbox.evaluate if mode == "eval" else sandbox.execute
    run(source, dict(CONTEXT))  # compile and start the child outside the timing
    started = time.perf_counter()
    for _ in range(rounds):
        run(source, dict(CONTEXT))
    return (time.perf_counter() - started) / rounds * 1e6


def main() -> None:
    print(f"{'case':40} {'in process':>12} {'process mode':>13}")
    for name, mode, source in CASES:
        inline = per_call_us(mode, source, "inline")
        isolated = per_call_us(mode, source, "process")
        print(f"{name:40} {inline:10.1f}µs {isolated:11.1f}µs")


if __name__ == "__main__":
    main()
