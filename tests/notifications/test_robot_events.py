"""Events of a real case walk reach the robots over the case's grid, once each."""
from __future__ import annotations

import json

from sqlalchemy import select

from govflow.extensions import db
from govflow.outbox.models import OutboxMessage
from tests.notifications.conftest import DING_SECRET, make_robot
from tests.processes.test_case_handling_helpers import (
    PHONE,
    complete,
    hours,
    now,
    rate,
    report,
    variables,
    verify,
    worker,
)


def robots_over_grid_one(receiver):
    """三级群 of 阳光一网格 (grid, community, street) and 幸福社区's group, which must hear nothing."""
    receiver.secrets["/ding"] = DING_SECRET
    make_robot("grid_yg_1", receiver.url("/wecom", "key=11111111-aaaa"), "wecom",
               ["case_reported", "case_closed", "task_overdue", "task_urged"])
    make_robot("comm_yangguang", receiver.url("/ding", "access_token=abcdef123456"), "dingtalk",
               secret=DING_SECRET)
    make_robot("street_heping", receiver.url("/street"), "webhook", ["rating_unsatisfied"])
    make_robot("comm_xingfu", receiver.url("/other"), "webhook")


def test_case_walk_reaches_grid_community_and_street_robots_once(app, case_deployed, receiver):
    robots_over_grid_one(receiver)
    instance_id = report("grid_yg_1")
    verify(instance_id, "on_spot")
    rate(variables(instance_id)["case_no"], "unsatisfied", "灯还是不亮，我电话13900002222")
    worker(app, now())
    assert receiver.events("/wecom") == ["case_reported"]
    assert sorted(receiver.events("/ding")) == ["case_reported", "rating_unsatisfied"]
    assert receiver.events("/street") == ["rating_unsatisfied"]
    assert receiver.events("/other") == []
    assert receiver.bad_signatures == 0
    assert all(r.query.get("sign") for r in receiver.received if r.path == "/ding")
    # The case reopened: the community handles it itself this time, the resident is content.
    complete("secretary", "community_analyse", instance_id, decision="self", analysis_note="社区处理")
    complete("cstaff", "community_handle", instance_id, handling_result="已更换路灯", handling_photos=["p1"])
    rate(variables(instance_id)["case_no"], "satisfied")
    assert variables(instance_id)["case_status"] == "closed"
    worker(app, now())
    worker(app, now() + hours(1))  # nothing left: each message once
    assert receiver.events("/wecom") == ["case_reported", "case_closed"]
    assert sorted(receiver.events("/ding")) == ["case_closed", "case_reported", "rating_unsatisfied"]
    assert receiver.events("/other") == []
    keys = receiver.keys()
    assert len(keys) == len(set(keys)) == 6
    texts = json.dumps([r.body for r in receiver.received], ensure_ascii=False)
    assert PHONE not in texts and "13900001111" not in texts and "13900002222" not in texts
    assert "王小明" not in texts and "501室" not in texts


def test_bodies_are_in_each_robots_format(app, case_deployed, receiver):
    robots_over_grid_one(receiver)
    report("grid_yg_1")
    worker(app, now())
    [wecom] = [r.body for r in receiver.received if r.path == "/wecom"]
    [ding] = [r.body for r in receiver.received if r.path == "/ding"]
    assert wecom["msgtype"] == "markdown" and wecom["markdown"]["content"].startswith("### 新案件上报")
    assert "阳光社区第一网格" in wecom["markdown"]["content"] and "道路设施" in wecom["markdown"]["content"]
    assert ding["msgtype"] == "markdown" and ding["markdown"]["title"] == "新案件上报"
    assert ding["markdown"]["text"] == wecom["markdown"]["content"]


def test_reminders_and_overdue_tasks_reach_the_groups(app, case_deployed, receiver):
    robots_over_grid_one(receiver)
    report("grid_yg_1")
    worker(app, now())
    # Past the response limit: the grid worker was reminded, the case went up to the community.
    worker(app, now() + hours(30))
    assert receiver.events("/wecom") == ["case_reported", "task_urged"]
    # The community's step runs past its own deadline: overdue, told once.
    for day in (20, 21, 22):
        worker(app, now() + hours(24 * day))
    assert receiver.events("/ding").count("task_overdue") == 1
    assert receiver.events("/other") == []


def test_manual_urge_reaches_the_robots_over_the_urged_step(app, case_deployed, receiver):
    from govflow.database import commit, writing
    from govflow.identity.access import principal_for
    from govflow.identity.service import get_user
    from govflow.worklist.actions import urge_task
    robots_over_grid_one(receiver)
    instance_id = report("grid_yg_1")
    verified = verify(instance_id, "report_up")  # now the community's 分析研判 is open
    with writing():
        urge_task(verified.id, principal_for(get_user("grid1")), "请尽快研判")
        commit()
    worker(app, now())
    assert sorted(receiver.events("/ding")) == ["case_reported", "task_urged"]
    assert receiver.events("/wecom") == ["case_reported"]  # the grid's group is below the community


def test_nothing_is_queued_when_the_change_rolls_back(case_deployed, receiver):
    from govflow.database import writing
    from govflow.instances.service import start_instance
    robots_over_grid_one(receiver)
    with writing():
        start_instance("case_handling", "grid_yg_1", {"title": "路灯", "category": "road", "urgency": "normal",
                                                      "description": "路灯坏了", "location": "3栋"})
        assert db.session.scalars(select(OutboxMessage)).all()
        db.session.rollback()
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_residents_with_phone_and_consent_get_accepted_and_result_sms(app, case_deployed, caplog):
    import logging

    from tests.processes.test_case_handling_helpers import sms_messages
    consented = report("grid_yg_1")
    verify(consented, "on_spot")
    silent = report("grid_yg_1", sms_consent=False)
    verify(silent, "on_spot")
    assert [m.payload["template"] for m in sms_messages()] == ["case_accepted", "case_resolved"]
    with caplog.at_level(logging.INFO, logger="govflow.sms"):
        worker(app, now())
    assert "SMS case_accepted to 138****5678" in caplog.text and "SMS case_resolved to 138****5678" in caplog.text
    assert PHONE not in caplog.text
    assert all(m.delivered_at for m in sms_messages())
