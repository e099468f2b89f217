"""Side effects leave after commit, are retried with backoff, and arrive once."""
from datetime import UTC, datetime, timedelta, timezone

import pytest

from govflow.database import commit, writing
from govflow.extensions import db
from govflow.outbox.models import OutboxMessage
from govflow.outbox.service import enqueue
from govflow.testing.live import free_port
from tests.notifications.receiver import Receiver

pytestmark = pytest.mark.usefixtures("private_urls_allowed")  # the receiver is on 127.0.0.1


def run_worker(app, now):
    out = app.test_cli_runner().invoke(args=["worker", "--once", "--now", now.isoformat()])
    assert out.exit_code == 0, out.output
    return out.output


def test_webhook_retried_until_receiver_is_up_then_delivered_once(ctx):
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    with writing():
        enqueue("webhook", {"url": url, "body": {"text": "新任务：核实"}}, "task-1-created")
        enqueue("webhook", {"url": url, "body": {"text": "已督办"}}, "task-1-urged")
        db.session.rollback()  # a rolled-back unit of work sends nothing
    assert db.session.query(OutboxMessage).count() == 0
    with writing():
        enqueue("webhook", {"url": url, "body": {"text": "新任务：核实"}}, "task-1-created")
        commit()
    now = datetime.now(UTC)
    assert "delivered: 0, failed attempts: 1" in run_worker(ctx, now)
    message = db.session.query(OutboxMessage).one()
    assert message.attempts == 1 and message.last_error
    assert "delivered: 0, failed attempts: 0" in run_worker(ctx, now)  # backing off
    receiver = Receiver(port)
    receiver.start()
    try:
        assert "delivered: 1" in run_worker(ctx, now + timedelta(minutes=5))
        assert "delivered: 0" in run_worker(ctx, now + timedelta(minutes=10))
    finally:
        receiver.stop()
    assert [(r.key, r.body) for r in receiver.received] == [("task-1-created", {"text": "新任务：核实"})]
    db.session.expire_all()
    assert db.session.query(OutboxMessage).one().delivered_at is not None


def test_messages_park_after_max_attempts(ctx):
    with writing():
        enqueue("webhook", {"url": f"http://127.0.0.1:{free_port()}/down", "body": {}}, "k")
        commit()
    now = datetime.now(UTC)
    for hour in range(ctx.config["GOVFLOW"].OUTBOX_MAX_ATTEMPTS + 2):
        run_worker(ctx, now + timedelta(hours=hour))
    db.session.expire_all()
    message = db.session.query(OutboxMessage).one()
    assert message.failed_at is not None and message.attempts == ctx.config["GOVFLOW"].OUTBOX_MAX_ATTEMPTS


def test_enqueue_once_skips_a_key_already_queued(ctx):
    from govflow.outbox.service import enqueue_once
    with writing():
        assert enqueue_once("sms", {"phone": "13800000000"}, "case:1:accepted:0") is not None
        assert enqueue_once("sms", {"phone": "13800000000"}, "case:1:accepted:0") is None  # same unit of work
        commit()
    with writing():
        assert enqueue_once("sms", {"phone": "13800000000"}, "case:1:accepted:0") is None  # already stored
        commit()
    assert db.session.query(OutboxMessage).count() == 1
