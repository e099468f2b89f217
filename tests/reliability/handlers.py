"""Service-task handlers for the crash tests only. They live under tests/ and are
registered by importing this module (tests/reliability/serve.py does so for gunicorn
and the worker), so no sleeping step is reachable in a production deployment."""
from __future__ import annotations

import os
import time
from pathlib import Path

from govflow.outbox.service import enqueue
from govflow.tasks import HandlerContext, handler

#: A step holds while this file exists in $RELIABILITY_DIR, so that a test can kill
#: the process running it at a known point.
HOLD = "hold"
HOLD_LIMIT_S = 60


@handler("reliability_slow")
def slow_step(ctx: HandlerContext) -> dict:
    """Writes ``started-<instance>`` (holding the pid) and waits while the hold file exists."""
    folder = os.environ.get("RELIABILITY_DIR")
    if folder:
        Path(folder, f"started-{ctx.instance_id}").write_text(str(os.getpid()))
        deadline = time.monotonic() + HOLD_LIMIT_S
        while Path(folder, HOLD).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    return {"slow_done": True}


@handler("reliability_webhook")
def webhook(ctx: HandlerContext) -> None:
    """Queues one webhook per instance and step; the key lets the receiver drop repeats."""
    enqueue("webhook", {"url": ctx.variables["hook_url"],
                        "body": {"instance": ctx.instance_id, "step": ctx.element_id}},
            f"instance-{ctx.instance_id}-{ctx.element_id}")
