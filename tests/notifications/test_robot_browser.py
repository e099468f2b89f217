"""An administrator sets up the community's DingTalk robot in Chromium (Chinese UI) and tests it."""
from __future__ import annotations

from sqlalchemy import select

from govflow.extensions import db
from govflow.outbox.models import OutboxMessage
from tests.notifications.conftest import DING_SECRET
from tests.web.browser import DESKTOP, expect
from tests.web.conftest import web_app  # noqa: F401
from tests.web.test_browser import browser, site  # noqa: F401

DING_URL = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef"


def test_admin_sets_up_and_tests_a_robot(site, web_app):
    admin = site("admin", DESKTOP)
    page = admin.page
    admin.goto("/admin/robots")
    page.get_by_test_id("add-robot").click()
    page.get_by_label("所属单位").select_option("comm_yangguang")
    page.get_by_label("名称").fill("阳光社区两委群")
    page.get_by_label("类型").select_option("dingtalk")
    page.get_by_label("Webhook 地址").fill(DING_URL)
    page.get_by_label("钉钉加签密钥").fill(DING_SECRET)
    page.get_by_label("新案件上报").check()
    page.get_by_label("居民评价不满意").check()
    admin.shot("robot-form")
    page.get_by_test_id("save-robot").click()
    row = page.get_by_test_id("robot-row")
    assert "阳光社区两委群" in row.inner_text() and "SEC****cdef" in row.inner_text()
    assert DING_SECRET not in page.content() and "0123456789abcdef" not in page.content()
    robot_id = row.get_attribute("data-robot")
    page.get_by_test_id(f"test-{robot_id}").click()
    assert "测试消息已进入发送队列" in page.content()
    admin.shot("robots")
    admin.goto("/admin/outbox?state=pending")
    expect(page.get_by_test_id("outbox")).to_contain_text(f"robot #{robot_id} · test · comm_yangguang")
    admin.shot("outbox")
    with web_app.app_context():
        assert [m.payload["event"] for m in db.session.scalars(select(OutboxMessage))] == ["test"]
