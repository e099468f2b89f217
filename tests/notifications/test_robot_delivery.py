"""Delivery to robots: retries while the receiver is down, errcode answers, signing, parking."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from govflow.database import commit, writing
from govflow.extensions import db
from govflow.identity.service import get_org_unit
from govflow.notifications.delivery import dingtalk_sign, signed_url
from govflow.notifications.robots import announce
from govflow.notifications.sms import queue_sms
from govflow.outbox.models import OutboxMessage
from govflow.privacy.masking import mask_phone
from tests.notifications.conftest import DING_SECRET, make_robot
from tests.notifications.receiver import Receiver
from tests.processes.test_case_handling_helpers import now, worker

ROOT = Path(__file__).resolve().parents[2]


def announce_reported(unit="grid_yg_1", n=1):
    with writing():
        for i in range(n):
            announce("case_reported", get_org_unit(unit), [("编号", f"2026-{i:06d}")])
        commit()


def messages() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_receiver_down_for_a_while_then_delivered_exactly_once(app, org):
    receiver = Receiver()  # port chosen, nothing listening yet
    make_robot("comm_yangguang", receiver.url("/wecom", "key=k1"), "wecom")
    announce_reported()
    start = now()
    for minutes in (0, 0, 1, 3):  # down: each due attempt fails, the second run is backing off
        worker(app, start + timedelta(minutes=minutes))
    [message] = messages()
    assert message.attempts == 3 and message.delivered_at is None and message.failed_at is None
    assert message.next_attempt_at > (start + timedelta(minutes=3)).replace(tzinfo=None)  # 2**3 s later
    receiver.start()
    try:
        worker(app, start + timedelta(minutes=10))
        worker(app, start + timedelta(minutes=20))
    finally:
        receiver.stop()
    assert receiver.keys() == [message.idempotency_key]
    assert messages()[0].delivered_at is not None


def test_errcode_in_a_200_answer_is_retried(app, org):
    receiver = Receiver().start()
    try:
        make_robot("grid_yg_1", receiver.url("/ding", "access_token=t"), "dingtalk")
        receiver.answers = [(200, {"errcode": 130101, "errmsg": "send too fast"}), (500, {})]
        announce_reported()
        worker(app, now())
        assert messages()[0].last_error.startswith("dingtalk errcode 130101")
        worker(app, now() + timedelta(minutes=1))
        assert messages()[0].last_error == "HTTP 500" and messages()[0].attempts == 2
        worker(app, now() + timedelta(minutes=2))
    finally:
        receiver.stop()
    assert len(receiver.received) == 1 and messages()[0].delivered_at is not None


def test_invalid_key_is_parked_at_once_and_can_be_retried(app, org):
    from govflow.outbox.service import retry_message
    receiver = Receiver().start()
    try:
        make_robot("grid_yg_1", receiver.url("/wecom", "key=revoked"), "wecom")
        receiver.answers = [(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
        announce_reported()
        worker(app, now())
        [message] = messages()
        assert message.failed_at is not None and message.attempts == 1
        assert "revoked" not in message.last_error
        with writing():
            retry_message(message.id)
            commit()
        worker(app, now())
    finally:
        receiver.stop()
    assert receiver.keys() == [message.idempotency_key] and messages()[0].delivered_at is not None


def test_dingtalk_signature_is_verified_by_the_receiver(app, org):
    receiver = Receiver().start()
    receiver.secrets["/ding"] = DING_SECRET
    try:
        make_robot("grid_yg_1", receiver.url("/ding", "access_token=t"), "dingtalk", secret=DING_SECRET)
        make_robot("grid_yg_1", receiver.url("/ding", "access_token=u"), "dingtalk", secret="SECwrongwrongwrong")
        announce_reported()
        worker(app, now())
    finally:
        receiver.stop()
    assert len(receiver.received) == 1 and receiver.bad_signatures == 1
    good, bad = messages()
    assert good.delivered_at and bad.failed_at and "310000" in bad.last_error  # sign not match: permanent


def test_signing_matches_dingtalks_recipe():
    # Expected value from openssl, not from Python:
    # printf '1700000000000\nSECabc' | openssl dgst -sha256 -hmac SECabc -binary | base64
    assert dingtalk_sign("SECabc", 1700000000000) == "jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM="
    url = signed_url("https://oapi.dingtalk.com/robot/send?access_token=x", "SECabc", 1700000000000)
    assert url.startswith("https://oapi.dingtalk.com/robot/send?access_token=x&timestamp=1700000000000&sign=")
    assert url.endswith("&sign=jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM%3D")  # URL-encoded


def test_a_disabled_or_deleted_robot_gets_nothing(app, org):
    from govflow.notifications.robot_admin import set_robot_enabled
    receiver = Receiver().start()
    try:
        robot = make_robot("grid_yg_1", receiver.url("/wecom", "key=k"), "wecom")
        announce_reported()
        with writing():
            set_robot_enabled(robot.id, False)
            commit()
        announce_reported()  # disabled: not queued
        worker(app, now())
    finally:
        receiver.stop()
    assert receiver.received == []
    [message] = messages()
    assert message.failed_at and "disabled" in message.last_error


def test_two_worker_processes_deliver_each_message_once(app, org):
    receiver = Receiver().start()
    try:
        make_robot("grid_yg_1", receiver.url("/wecom", "key=k"), "wecom")
        make_robot("comm_yangguang", receiver.url("/hook"), "webhook")
        announce_reported(n=25)
        env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
               "ROBOT_ALLOW_PRIVATE_URLS": "true"}
        command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--once", "--now", now().isoformat()]
        workers = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True) for _ in range(2)]
        outputs = [w.communicate(timeout=300)[0] for w in workers]
        assert all(w.returncode == 0 for w in workers), outputs
        worker(app, now() + timedelta(minutes=5))  # whatever a worker had to leave
    finally:
        receiver.stop()
    keys = receiver.keys()
    assert len(keys) == len(set(keys)) == 50
    assert all(m.delivered_at for m in messages())


def test_sms_goes_through_the_log_sender_with_the_phone_masked(app, org, caplog):
    with writing():
        queue_sms("13812345678", "case_resolved", {"case_no": "2026-000001"}, "您反映的问题已办结",
                  "case:2026-000001:resolved:0", case_no="2026-000001")
        commit()
    with caplog.at_level(logging.INFO, logger="govflow.sms"):
        worker(app, now())
    assert "138****5678" in caplog.text and "13812345678" not in caplog.text
    assert "case_resolved" in caplog.text and messages()[0].delivered_at
    assert mask_phone("123") == "***"


def test_a_malformed_message_is_a_failed_attempt_not_a_dead_worker(app, org):
    from govflow.outbox.service import enqueue
    with writing():
        enqueue("robot", {"body": {}}, "no-robot-id")
        enqueue("pigeon", {}, "no-such-channel")
        commit()
    assert "failed attempts: 2" in worker(app, now())
    broken, unknown = messages()
    assert broken.attempts == 1 and broken.failed_at is None and "KeyError" in broken.last_error
    assert unknown.failed_at is not None and "no channel 'pigeon'" in unknown.last_error
