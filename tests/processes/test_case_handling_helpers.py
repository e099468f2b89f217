"""Shared steps for the case-handling tests (群众诉求/事件处置).

Deploys only this process's files (processes/ is shared with other processes) and
walks the instance through the service layer as the demo users would.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from govflow.database import commit, writing
from govflow.definitions.service import deploy
from govflow.engine import clock
from govflow.extensions import db
from govflow.identity.access import principal_for
from govflow.identity.service import get_user
from govflow.instances.models import ProcessInstance
from govflow.instances.service import deliver_message, start_instance
from govflow.outbox.models import OutboxMessage
from govflow.records.models import LedgerEntry, Notification, PublicResult
from govflow.worklist.inbox import list_tasks
from govflow.worklist.models import HumanTask
from govflow.worklist.service import complete_task
from tests.uploads import register_uploads

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
CASE_FILES = ("case_handling.bpmn", "case_limits.dmn", "case_department_deadlines.dmn", "case_departments.dmn")
PHONE = "13812345678"
PHOTO = ["file-after-1"]


def case_files() -> dict[str, bytes]:
    return {name: (PROCESSES / name).read_bytes() for name in CASE_FILES}


@pytest.fixture
def case_deployed(org):
    with writing():
        result = deploy(case_files())
        commit()
    return result


def report(unit: str = "grid_yg_1", business_key: str | None = None, **overrides) -> int:
    """A resident's report through the start API's service; returns the instance id."""
    variables = {"title": "小区门口路灯不亮", "category": "road", "urgency": "normal",
                 "description": "阳光小区3栋2单元501室门口路灯坏了一周，联系电话13900001111",
                 "location": "阳光小区3栋", "photos": ["file-before-1"], "reporter_name": "王小明",
                 "reporter_phone": PHONE, "sms_consent": True, "source": "resident", **overrides}
    with writing():
        instance = start_instance("case_handling", unit, {k: v for k, v in variables.items() if v is not None},
                                  business_key)
        commit()
    return instance.id


def open_tasks(username: str, instance_id: int | None = None) -> list[HumanTask]:
    rows, _ = list_tasks(principal_for(get_user(username)), instance_id=instance_id)
    return list(rows)


def task(username: str, element: str, instance_id: int | None = None) -> HumanTask:
    """The one open task ``element`` the user can see (fails when there is not exactly one)."""
    rows = [t for t in open_tasks(username, instance_id) if t.element_id == element]
    assert len(rows) == 1, f"{username} sees {[t.element_id for t in open_tasks(username)]}, not one {element}"
    return rows[0]


def complete(username: str, element: str, instance_id: int | None = None, at: datetime | None = None,
             **values) -> HumanTask:
    row = task(username, element, instance_id)
    with clock.frozen_at(at), writing():
        complete_task(row.id, principal_for(get_user(username)), register_uploads(username, row, values),
                      values.get("comment"))
        commit()
    return row


def rate(case_no: str, rating: str, comment: str | None = None) -> list[int]:
    with writing():
        targets = deliver_message("case_rated", business_key=case_no,
                                  variables={"rating": rating, "rating_comment": comment})
        commit()
    return targets


def instance(instance_id: int) -> ProcessInstance:
    db.session.expire_all()
    return db.session.get(ProcessInstance, instance_id)


def variables(instance_id: int) -> dict:
    return instance(instance_id).variables


def ledger(instance_id: int, kind: str | None = None) -> list[LedgerEntry]:
    query = select(LedgerEntry).where(LedgerEntry.instance_id == instance_id).order_by(LedgerEntry.id)
    if kind:
        query = query.where(LedgerEntry.kind == kind)
    return list(db.session.scalars(query))


def ledger_kinds(instance_id: int) -> list[str]:
    return [e.kind for e in ledger(instance_id)]


def public_result(instance_id: int) -> PublicResult | None:
    return db.session.scalar(select(PublicResult).where(PublicResult.instance_id == instance_id))


def sms_messages() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")
                                   .order_by(OutboxMessage.id)))


def urged(username: str) -> list[Notification]:
    """The 催办 notifications a user got (the platform also notifies every new task)."""
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == get_user(username).id, Notification.kind == "urged").order_by(Notification.id)))


def worker(app, at: datetime) -> str:
    result = app.test_cli_runner().invoke(args=["worker", "--once", "--now", at.isoformat()])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def now() -> datetime:
    return datetime.now(UTC)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def verify(instance_id: int, resolution: str = "report_up", **values) -> HumanTask:
    defaults = {"verify_note": "现场核实情况属实"}
    if resolution == "on_spot":
        defaults.update(handling_result="已更换灯泡，路灯恢复", verify_photos=PHOTO)
    return complete("grid1", "grid_verify", instance_id, resolution=resolution, **{**defaults, **values})


def analyse(instance_id: int, decision: str, departments: list[str] | None = None, **values) -> HumanTask:
    return complete("secretary", "community_analyse", instance_id, decision=decision,
                    departments=departments or [], analysis_note=values.pop("analysis_note", "研判意见"),
                    **values)


def report_department(username: str, instance_id: int, result: str = "已修复", **values) -> HumanTask:
    return complete(username, "dept_handle", instance_id, dept_result=result,
                    result_photos=values.pop("result_photos", PHOTO), **values)


def case_context(instance_id: int, element: str = "step", properties: dict | None = None,
                 unit: str = "grid_yg_1", **overrides):
    """A HandlerContext over the instance's current variables, for calling one handler."""
    from govflow.tasks import HandlerContext
    inst = instance(instance_id)
    return HandlerContext(instance_id=inst.id, process_key=inst.process_key, business_key=inst.business_key,
                          org_unit_code=unit, element_id=element,
                          variables={**inst.variables, **overrides}, properties=dict(properties or {}))


def to_community(instance_id: int) -> None:
    """Report up: the grid worker verifies and hands the case to the community."""
    verify(instance_id, "report_up")


def whistle(instance_id: int, departments: list[str]) -> None:
    to_community(instance_id)
    analyse(instance_id, "whistle", departments)


def due_in(row: HumanTask) -> timedelta:
    return row.due_at - row.created_at


def close_to(delta: timedelta, expected: timedelta, slack: timedelta = timedelta(minutes=1)) -> bool:
    return abs(delta - expected) <= slack
