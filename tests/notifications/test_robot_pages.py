"""Administration pages of robots and the outbox (signed-in page clients, CSRF on)."""
from __future__ import annotations

from sqlalchemy import select

from govflow.extensions import db
from govflow.notifications.models import RobotEndpoint
from govflow.outbox.models import OutboxMessage
from tests.notifications.conftest import DING_SECRET
from tests.web.conftest import page_as, web_app  # noqa: F401

DING_URL = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef"


def robots(app):
    with app.app_context():
        return [(r.name, r.kind, r.is_enabled, r.signing_secret, r.url, r.events)
                for r in db.session.scalars(select(RobotEndpoint).order_by(RobotEndpoint.id))]


def outbox(app):
    with app.app_context():
        return [(m.id, m.channel, m.payload.get("event"), m.failed_at)
                for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def add(page, **overrides):
    page.get("/admin/robots/new")
    form = {"org_unit": "comm_yangguang", "name": "阳光社区工作群", "kind": "dingtalk", "url": DING_URL,
            "secret": DING_SECRET, "events": ["case_reported", "rating_unsatisfied"], "is_enabled": "1",
            **overrides}
    return page.post("/admin/robots/new", data=form)


def test_non_admins_are_refused(page_as, web_app):
    page = page_as("secretary")
    assert page.get("/admin/robots").status_code == 403
    assert page.get("/admin/outbox").status_code == 403
    assert add(page).status_code in (400, 403) and robots(web_app) == []


def test_admin_adds_edits_disables_and_tests_a_robot(page_as, web_app):
    page = page_as("admin")
    assert add(page).status_code == 303
    listing = page.get("/admin/robots?org_unit=comm_yangguang")
    assert "阳光社区工作群" in listing.text and "access_token=0123****" in listing.text
    assert DING_SECRET not in listing.text and "0123456789abcdef" not in listing.text
    [(_, _, _, secret, url, events)] = robots(web_app)
    assert secret == DING_SECRET and url == DING_URL and events == ["case_reported", "rating_unsatisfied"]
    with web_app.app_context():
        robot_id = db.session.scalar(select(RobotEndpoint.id))
    edit = page.get(f"/admin/robots/{robot_id}/edit")
    assert DING_SECRET not in edit.text and "SEC****cdef" in edit.text
    # Address and secret left empty: both kept.
    saved = page.post(f"/admin/robots/{robot_id}/edit", data={
        "name": "阳光社区两委群", "kind": "dingtalk", "url": "", "secret": "", "events": ["case_closed"],
        "is_enabled": "1"})
    assert saved.status_code == 303
    assert robots(web_app) == [("阳光社区两委群", "dingtalk", True, DING_SECRET, DING_URL, ["case_closed"])]
    page.get("/admin/robots")
    assert page.post(f"/admin/robots/{robot_id}/test").status_code == 303
    assert [(c, e) for _, c, e, _ in outbox(web_app)] == [("robot", "test")]
    assert page.post(f"/admin/robots/{robot_id}/enabled", data={"enabled": "0"}).status_code == 303
    assert robots(web_app)[0][2] is False
    page.post(f"/admin/robots/{robot_id}/test")
    assert len(outbox(web_app)) == 1  # a disabled robot is not tested


def test_bad_input_is_shown_by_field_and_nothing_is_stored(page_as, web_app):
    page = page_as("admin")
    response = add(page, name="", url="not a url", kind="wecom")
    assert response.status_code == 422
    assert response.text.count('class="error"') >= 3  # name, url, secret (WeCom does not sign)
    assert robots(web_app) == []


def test_outbox_page_lists_dead_messages_and_retries_one(page_as, web_app):
    from govflow.database import commit, writing
    from govflow.outbox.service import enqueue
    from govflow.timeutil import utcnow
    with web_app.app_context(), writing():
        message = enqueue("sms", {"phone": "13812345678", "template": "case_resolved", "text": "已办结"}, "k-1")
        message.failed_at, message.attempts, message.last_error = utcnow(), 12, "gateway down"
        commit()
    page = page_as("admin")
    dead = page.get("/admin/outbox?state=dead")
    assert "gateway down" in dead.text and "138****5678" in dead.text and "13812345678" not in dead.text
    assert page.post("/admin/outbox/1/retry").status_code == 303
    assert outbox(web_app)[0][3] is None
    assert page.post("/admin/outbox/1/retry").status_code == 409
