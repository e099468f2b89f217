"""Group robots: user text never becomes markdown (links, images, mentions…), and
robot URLs never reach loopback, private, link-local or reserved addresses — refused
when saved (REST and page: a field error) and again at delivery (DNS may change)."""
from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timezone

import pytest
from sqlalchemy import select

from govflow.database import commit, writing
from govflow.extensions import db
from govflow.notifications.models import RobotEndpoint
from govflow.notifications.robot_admin import RobotInput, add_robot
from govflow.notifications.robots import markdown_text, queue_test_message, robot_body
from govflow.outbox.models import OutboxMessage

MARKDOWN = ["[点此处理](http://evil.example/phish)", "![img](http://evil.example/x.png)", "**紧急** __通知__",
            "# 大标题", "## 二级", "> 引用", "<a href='http://evil.example'>链接</a>", "<font color=\"warning\">红</font>",
            "<@all>", "<@zhangsan>", "@all 请注意", "`code`", "~~删除~~", "第一行\n# 第二行标题", "http://evil.example/raw",
            "[a]: http://evil.example", "<img src=x onerror=alert(1)>", "\\[转义\\](http://evil.example)"]
PRIVATE_URLS = [
    "http://127.0.0.1/hook", "http://127.0.0.1:5432/", "http://localhost/hook", "http://LOCALHOST./x",
    "http://api.localhost/x", "http://2130706433/", "http://0x7f.1/", "http://0x7f000001/", "http://0177.0.0.1/",
    "http://017700000001/", "http://127.1/", "http://0/", "http://0.0.0.0/", "http://[::1]/", "http://[::]/",
    "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[0:0:0:0:0:ffff:a00:1]/",
    "http://[fe80::1%25eth0]/", "http://[fc00::1]/", "http://[64:ff9b::7f00:1]/", "http://[2002:7f00:1::]/",
    "http://10.0.0.1/", "http://172.16.5.4/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/", "http://224.0.0.1/", "http://240.0.0.1/", "http://255.255.255.255/",
    "http://qyapi.weixin.qq.com@127.0.0.1/x", "http://user:pass@qyapi.weixin.qq.com/x",
    "http://127.0.0.1\\@qyapi.weixin.qq.com/", "ftp://qyapi.weixin.qq.com/x", "file:///etc/passwd",
    "gopher://127.0.0.1:25/", "javascript:alert(1)", "http://host.internal/", "http://printer.local/",
    "http:///x", "http://qyapi.weixin.qq.com:0/", "http://qyapi.weixin.qq.com:99999/",
]


@pytest.mark.parametrize("value", MARKDOWN)
@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "webhook"])
def test_user_text_is_literal_in_every_robot_format(kind, value):
    body = robot_body(kind, "case_reported", "新案件上报", [("事项", value), ("网格", value)], "grid")
    text = body["markdown"]["content"] if kind == "wecom" else body["markdown"]["text"] if kind == "dingtalk" \
        else body["text"]
    lines = text.split("\n")
    assert lines[0] == "### 新案件上报" and len(lines) == 3  # no line of the user's own
    for line in lines[1:]:
        value_part = line.split("：", 1)[1]
        for markup in ("[", "](", "![", "<", ">", "**", "__", "#", "`", "~~", "@", "http:"):
            assert markup not in value_part, (value, line)


def test_escaped_text_still_reads(value="路灯[3号] (坏了) 138****5678"):
    assert markdown_text(value) == "路灯［3号］ （坏了） 138＊＊＊＊5678"


def test_the_test_message_with_a_hostile_robot_name_arrives_escaped(app, org, receiver, private_urls_allowed):
    with writing():
        robot = add_robot("comm_yangguang", RobotInput(name="[点此处理](http://evil.example) <@all>", kind="wecom",
                                                       url=receiver.url("/wecom", "key=k"), events=["case_reported"]))
        queue_test_message(robot, "**admin**")
        commit()
    out = app.test_cli_runner().invoke(args=["worker", "--once", "--now", datetime.now(UTC).isoformat()])
    assert out.exit_code == 0 and len(receiver.received) == 1, out.output
    content = receiver.received[0].body["markdown"]["content"]
    assert "](" not in content and "<@" not in content and "**admin**" not in content


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_private_and_tricky_urls_are_refused_when_saved_over_rest(api_as, url):
    api = api_as("admin")
    answer = api.post("/notifications/robots", json={"org_unit": "comm_yangguang", "name": "群", "kind": "webhook",
                                                     "url": url, "events": ["case_reported"]})
    assert answer.status_code == 422 and "url" in answer.json["errors"], (url, answer.status_code, answer.json)
    assert db.session.scalars(select(RobotEndpoint)).all() == []


@pytest.mark.parametrize("url", ["http://127.0.0.1/hook", "http://0x7f.1/", "http://[::ffff:127.0.0.1]/",
                                 "http://169.254.169.254/", "http://a@10.0.0.1/"])
def test_private_urls_are_refused_on_the_page(page_as, web_app, url):
    page = page_as("admin")
    page.get("/admin/robots/new")
    answer = page.post("/admin/robots/new", data={"org_unit": "comm_yangguang", "name": "群", "kind": "webhook",
                                                  "url": url, "events": ["case_reported"], "is_enabled": "1"})
    assert answer.status_code == 422, url
    with web_app.app_context():
        assert db.session.scalars(select(RobotEndpoint)).all() == []


def _deliver(app):
    return app.test_cli_runner().invoke(args=["worker", "--once", "--now", datetime.now(UTC).isoformat()])


def test_a_name_that_resolves_to_loopback_at_delivery_is_refused(app, org, receiver, monkeypatch):
    """DNS rebinding: public when saved, 127.0.0.1 when sent. Nothing reaches the receiver."""
    public = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80))]
    loopback = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", receiver.port))]
    answers = iter([public, loopback, loopback, loopback])
    monkeypatch.setattr("govflow.outbox.egress.socket.getaddrinfo", lambda *a, **k: next(answers))
    with writing():
        robot = add_robot("comm_yangguang", RobotInput(name="群", kind="webhook", events=["case_reported"],
                                                       url=f"http://robots.example.org:{receiver.port}/hook"))
        queue_test_message(robot, "admin")
        commit()
    assert _deliver(app).exit_code == 0
    assert receiver.received == []
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.failed_at is not None and "address refused" in message.last_error


def test_a_private_robot_saved_while_allowed_is_refused_at_delivery_once_disallowed(app, org, receiver):
    settings = app.config["GOVFLOW"]
    settings.ROBOT_ALLOW_PRIVATE_URLS = True
    try:
        with writing():
            robot = add_robot("comm_yangguang", RobotInput(name="群", kind="webhook", events=["case_reported"],
                                                           url=receiver.url("/hook")))
            queue_test_message(robot, "admin")
            commit()
    finally:
        settings.ROBOT_ALLOW_PRIVATE_URLS = False
    assert _deliver(app).exit_code == 0
    assert receiver.received == []
    assert "address refused" in db.session.scalars(select(OutboxMessage)).one().last_error


def test_the_setting_lets_tests_reach_the_local_receiver(app, org, receiver, private_urls_allowed):
    with writing():
        robot = add_robot("comm_yangguang", RobotInput(name="群", kind="webhook", events=["case_reported"],
                                                       url=receiver.url("/hook")))
        queue_test_message(robot, "admin")
        commit()
    assert _deliver(app).exit_code == 0
    assert len(receiver.received) == 1 and json.dumps(receiver.received[0].body)
