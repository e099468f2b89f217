"""Case handling through the service layer: the clock and the resident's rating.

Response reminder and escalation, the rating waiting period and the phone callback,
and 不满意 reopening the case once. Timers fire through ``worker --once --now``.
"""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from govflow.errors import NotFound
from govflow.extensions import db
from govflow.identity.service import get_org_unit
from govflow.worklist.models import HumanTask
from tests.processes.test_case_handling_helpers import (  # noqa: F401
    analyse,
    case_deployed,
    close_to,
    complete,
    due_in,
    instance,
    ledger,
    ledger_kinds,
    open_tasks,
    public_result,
    rate,
    report,
    sms_messages,
    task,
    to_community,
    urged,
    variables,
    verify,
    worker,
)


def _reported_at(case) -> datetime:
    return datetime.fromisoformat(variables(case)["reported_at"])


def test_response_reminder_then_escalation_to_the_community(case_deployed, app):
    case = report(urgency="urgent")
    start = _reported_at(case)
    assert "timers fired: 0" in worker(app, start + timedelta(minutes=50))
    worker(app, start + timedelta(hours=1, minutes=1))  # 过半提醒, non-interrupting
    [reminder] = urged("grid1")
    assert reminder.task_id == task("grid1", "grid_verify").id
    assert urged("grid2") == [] and variables(case)["grid_verify_reminders"] == 1
    worker(app, start + timedelta(hours=2, minutes=1))  # 响应超时: the grid task is withdrawn
    assert open_tasks("grid1") == []
    cancelled = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == case,
                                                          HumanTask.element_id == "grid_verify"))
    assert cancelled.status == "cancelled"
    assert [t.element_id for t in open_tasks("secretary")] == ["community_analyse"]
    v = variables(case)
    assert (v["escalated"], v["responded_in_time"]) == (True, False)
    assert ledger_kinds(case) == ["case_received", "case_escalated"]
    analyse(case, "self")
    complete("cstaff", "community_handle", case, handling_result="社区已处理", handling_photos=["p"])
    rate(variables(case)["case_no"], "satisfied")
    closed = ledger(case, "case_closed")[0].data
    assert (closed["responded_in_time"], closed["escalated"], closed["satisfied"]) == (False, True, True)


def test_a_timely_response_cancels_both_response_timers(case_deployed, app):
    case = report(urgency="urgent")
    start = _reported_at(case)
    to_community(case)
    assert variables(case)["responded_in_time"] is True
    assert "timers fired: 0" in worker(app, start + timedelta(hours=3))
    assert urged("grid1") == [] and variables(case)["escalated"] is False


def test_no_rating_in_the_waiting_period_brings_a_phone_callback(case_deployed, app):
    case = report()
    verify(case, "on_spot")
    published = datetime.fromisoformat(variables(case)["published_at"])
    assert "timers fired: 0" in worker(app, published + timedelta(days=2))
    assert open_tasks("cstaff") == []
    worker(app, published + timedelta(days=3, minutes=1))
    callback = task("cstaff", "callback")
    assert callback.id == task("secretary", "callback").id and open_tasks("secretary2") == []
    assert callback.scope_path == get_org_unit("comm_yangguang").path and callback.form_key == "case.callback"
    assert close_to(due_in(callback), timedelta(days=1))
    with pytest.raises(NotFound):  # the waiting period is over: a late message finds no one waiting
        rate(variables(case)["case_no"], "satisfied")
    db.session.rollback()
    complete("cstaff", "callback", case, rating="basic", rating_comment="电话回访：基本满意")
    v = variables(case)
    assert instance(case).status == "completed"
    assert (v["rating"], v["rated_via"], v["satisfied"], v["case_status"]) == ("basic", "callback", True, "closed")
    assert ledger(case, "case_rated")[0].data["via"] == "callback"


def test_unsatisfied_reopens_once_and_a_second_unsatisfied_closes(case_deployed):
    case = report()
    verify(case, "on_spot")
    case_no = variables(case)["case_no"]
    rate(case_no, "unsatisfied", "灯还是时亮时不亮")
    v = variables(case)
    assert (v["reopen_count"], v["reopened"], v["resolved"]) == (1, True, False)
    assert instance(case).status == "active"
    analysis = task("secretary", "community_analyse")
    assert analysis.scope_path == get_org_unit("comm_yangguang").path
    analyse(case, "self", analysis_note="居民不满意，社区跟进")
    complete("cstaff", "community_handle", case, handling_result="协调供电公司检修线路", handling_photos=["p2"])
    assert public_result(case).summary.endswith("办理结果：协调供电公司检修线路")
    assert [m.idempotency_key for m in sms_messages()] == [
        f"case:{case_no}:accepted:0", f"case:{case_no}:resolved:0", f"case:{case_no}:resolved:1"]

    rate(case_no, "不满意", "还是不满意")
    v = variables(case)
    assert instance(case).status == "completed" and v["case_status"] == "closed_unsatisfied"
    assert [r["rating"] for r in v["ratings"]] == ["unsatisfied", "unsatisfied"]
    assert ledger_kinds(case) == ["case_received", "case_responded", "case_resolved", "case_rated", "case_reopened",
                                  "case_resolved", "case_rated", "case_closed"]
    closed = ledger(case, "case_closed")[0].data
    assert (closed["outcome"], closed["reopen_count"], closed["satisfied"], closed["resolution_path"]) == (
        "closed_unsatisfied", 1, False, "community")


def test_unsatisfied_callback_also_reopens(case_deployed, app):
    case = report()
    verify(case, "on_spot")
    worker(app, datetime.fromisoformat(variables(case)["published_at"]) + timedelta(days=3, minutes=1))
    complete("cstaff", "callback", case, rating="unsatisfied")
    assert variables(case)["reopen_count"] == 1
    assert [t.element_id for t in open_tasks("secretary")] == ["community_analyse"]


def test_a_rating_nobody_waits_for_is_refused(case_deployed):
    case = report()
    with pytest.raises(NotFound):
        rate(variables(case)["case_no"], "satisfied")
    db.session.rollback()
    assert instance(case).status == "active" and ledger(case, "case_rated") == []
