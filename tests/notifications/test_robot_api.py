"""REST administration of robots and the outbox: masked secrets, field errors, 403."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from govflow.extensions import db
from govflow.notifications.models import RobotEndpoint
from govflow.outbox.models import OutboxMessage
from tests.notifications.conftest import DING_SECRET
from tests.notifications.receiver import Receiver
from tests.processes.test_case_handling_helpers import now, worker

DING_URL = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef"


def new_robot(api, **overrides):
    body = {"org_unit": "comm_yangguang", "name": "阳光社区工作群", "kind": "dingtalk", "url": DING_URL,
            "secret": DING_SECRET, "events": ["case_reported", "case_closed"], **overrides}
    return api.post("/notifications/robots", json=body)


def test_non_admins_get_403(api_as):
    api = api_as("secretary")
    assert api.get("/notifications/robots").status_code == 403
    assert new_robot(api).status_code == 403
    assert api.get("/notifications/outbox").status_code == 403
    assert db.session.scalars(select(RobotEndpoint)).all() == []


def test_secret_and_token_are_never_shown_back(api_as, caplog):
    api = api_as("admin")
    created = new_robot(api)
    assert created.status_code == 201, created.json
    robot = created.json
    assert robot["secret"] == "SEC****cdef" and robot["has_secret"] is True
    assert "0123456789abcdef" not in robot["url"] and robot["url"].endswith("access_token=0123****")
    listed = api.get("/notifications/robots?org_unit=comm_yangguang").json
    assert [r["id"] for r in listed] == [robot["id"]]
    assert DING_SECRET not in str(listed) and DING_SECRET not in caplog.text
    assert db.session.get(RobotEndpoint, robot["id"]).signing_secret == DING_SECRET
    # An edit without a secret keeps it.
    edited = api.client.put(f"/api/v1/notifications/robots/{robot['id']}", headers=api.headers, json={
        "name": "改名", "kind": "dingtalk", "url": DING_URL, "events": ["case_closed"], "is_enabled": False})
    assert edited.status_code == 200, edited.json
    assert (edited.json["name"], edited.json["is_enabled"], edited.json["has_secret"]) == ("改名", False, True)


def test_bad_fields_are_named(api_as):
    api = api_as("admin")
    assert "kind" in str(new_robot(api, kind="telegram").json)
    assert "events" in str(new_robot(api, events=["everything"]).json)
    refused = new_robot(api, url="ftp://example.org/x", name="")
    assert refused.status_code == 422 and {"url", "name"} <= set(refused.json["errors"])
    refused = new_robot(api, kind="wecom")  # a WeCom robot does not sign
    assert refused.status_code == 422 and "secret" in refused.json["errors"]
    assert new_robot(api, org_unit="nowhere").status_code == 404
    assert db.session.scalars(select(RobotEndpoint)).all() == []


def test_test_message_goes_through_the_outbox(app, api_as):
    api = api_as("admin")
    receiver = Receiver().start()
    try:
        robot = new_robot(api, kind="wecom", secret=None, url=receiver.url("/wecom", "key=k")).json
        assert api.post(f"/notifications/robots/{robot['id']}/test").status_code == 202
        assert receiver.received == []  # the request did not wait on the robot
        pending = api.get("/notifications/outbox?state=pending").json
        assert [m["summary"] for m in pending] == [f"robot #{robot['id']} · test · comm_yangguang"]
        worker(app, now())
    finally:
        receiver.stop()
    [got] = receiver.received
    assert got.body["markdown"]["content"].startswith("### GovFlow 测试消息")
    assert len(api.get("/notifications/outbox?state=delivered").json) == 1


def test_dead_messages_are_listed_and_retried(app, api_as):
    api = api_as("admin")
    robot = new_robot(api, kind="webhook", secret=None, url=Receiver().url("/down")).json
    api.post(f"/notifications/robots/{robot['id']}/test")
    for hour in range(app.config["GOVFLOW"].OUTBOX_MAX_ATTEMPTS + 1):  # every attempt fails until parked
        worker(app, now() + timedelta(hours=hour))
    [dead] = api.get("/notifications/outbox?state=dead").json
    assert dead["attempts"] == app.config["GOVFLOW"].OUTBOX_MAX_ATTEMPTS and dead["last_error"]
    retried = api.post(f"/notifications/outbox/{dead['id']}/retry")
    assert retried.status_code == 200 and retried.json["state"] == "pending"
    assert api.post(f"/notifications/outbox/{dead['id']}/retry").status_code == 409
    assert db.session.get(OutboxMessage, dead["id"]).failed_at is None
    assert api.get("/notifications/outbox?state=bogus").status_code == 422
