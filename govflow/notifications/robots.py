"""Events to group robots (三级群: grid → community → street), through the outbox.

An event of an org unit goes to the enabled robots of that unit and of its
ancestors that subscribed to it, each as its kind expects. The messages are
queued in the transaction that caused the event, so they leave only if it
commits, and the worker delivers them with retries; nothing here waits on a
network. Texts are Chinese and carry no resident's name or phone number.
"""
from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..extensions import db
from ..identity.access import ancestor_paths
from ..identity.models import OrgUnit
from ..instances.models import ProcessInstance
from ..instances.trials import keeps_quiet
from ..outbox.service import enqueue
from ..privacy.masking import mask_text, reporter_names
from .models import RobotEndpoint

#: Event codes a robot may subscribe to, with the heading of their message.
EVENTS = {
    "case_reported": "新案件上报",
    "task_urged": "催办提醒",
    "task_overdue": "逾期提醒",
    "case_closed": "案件办结",
    "rating_unsatisfied": "居民不满意",
}
TEST_EVENT = "test"
_RATINGS = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}
_OUTCOMES = {"closed": "已结案", "closed_unsatisfied": "已结案（居民不满意）", "invalid": "不予受理"}


def robots_for(unit: OrgUnit, event: str) -> list[RobotEndpoint]:
    """Enabled robots of ``unit`` and its ancestors subscribed to ``event``, nearest unit first."""
    rows = db.session.scalars(
        select(RobotEndpoint).join(OrgUnit, RobotEndpoint.org_unit_id == OrgUnit.id)
        .where(OrgUnit.path.in_(ancestor_paths(unit.path)), RobotEndpoint.is_enabled.is_(True))
        .order_by(func.length(OrgUnit.path).desc(), RobotEndpoint.id)).all()
    return [r for r in rows if event in (r.events or [])]


#: Markdown and HTML syntax in a value, replaced by its full-width twin: a case title
#: ``[点此处理](http://…)`` must not become a link in an official group, nor ``<@all>``
#: a mention, nor ``# …`` a heading. Full-width characters read the same in Chinese.
_MARKUP = str.maketrans({"[": "［", "]": "］", "(": "（", ")": "）", "<": "＜", ">": "＞", "*": "＊",
                         "_": "＿", "#": "＃", "!": "！", "`": "｀", "~": "～", "|": "｜", "\\": "＼",
                         "@": "＠", "&": "＆"})
#: Bare addresses are linked by the clients too: the scheme loses its colon.
_SCHEME = re.compile(r"(?i)\b(https?|ftp|file|javascript|data|mailto|dingtalk|wxwork)\s*:")


def markdown_text(value) -> str:
    """``value`` as literal text inside a robot's markdown: one line, no markup, no link."""
    text = " ".join(str(value if value is not None else "").split())
    return _SCHEME.sub(r"\1：", text.translate(_MARKUP))


def robot_body(kind: str, event: str, title: str, lines: list[tuple[str, str]], unit_code: str) -> dict:
    """The JSON a robot of ``kind`` expects for a markdown message; every value
    (user-supplied: titles, names, comments) is escaped, labels are ours."""
    text = "\n".join([f"### {title}", *(f"> **{label}**：{markdown_text(value)}" for label, value in lines if value)])
    if kind == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": text}}
    if kind == "dingtalk":
        # DingTalk robots with a keyword guard match on the text: the title is in it.
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    return {"event": event, "title": title, "text": text, "org_unit": unit_code,
            "facts": {label: value for label, value in lines if value}}


def queue_robot_message(robot: RobotEndpoint, event: str, title: str, lines: list[tuple[str, str]],
                        unit_code: str) -> None:
    enqueue("robot", {"robot_id": robot.id, "event": event, "org_unit": unit_code,
                      "body": robot_body(robot.kind, event, title, lines, unit_code)},
            idempotency_key=f"robot:{robot.id}:{event}:{uuid.uuid4().hex}")


def announce(event: str, unit: OrgUnit | None, lines: list[tuple[str, str]]) -> int:
    """Queue ``event`` for the robots of ``unit`` and its ancestors; returns how many."""
    if unit is None:
        return 0
    robots = robots_for(unit, event)
    for robot in robots:
        queue_robot_message(robot, event, EVENTS[event], lines, unit.code)
    return len(robots)


def _masked(text: str | None, length: int = 60, names=()) -> str:
    """What a group may read of a case's text: the public's masking (privacy.masking)."""
    text = " ".join(mask_text(text, names).split())
    return text if len(text) <= length else text[:length - 1] + "…"


def _unit_name(code: str | None) -> str:
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code)) if code else None
    return unit.name if unit else (code or "")


def announce_case(ctx, event: str, extra: dict | None = None) -> int:
    """A case-handling event (``ctx`` a HandlerContext), for the robots over the case's grid."""
    from ..tasks.case_common import CATEGORY_NAMES
    if keeps_quiet(ctx.instance_id):
        return 0
    v = {**ctx.variables, **(extra or {})}
    names = reporter_names(v)
    grid = db.session.scalar(select(OrgUnit).where(OrgUnit.code == (v.get("grid") or ctx.org_unit_code)))
    lines = [("编号", v.get("case_no") or ctx.business_key or ""), ("事项", _masked(v.get("title"), 40, names)),
             ("类别", CATEGORY_NAMES.get(v.get("category") or "", "")), ("网格", grid.name if grid else "")]
    if event == "case_reported":
        lines += [("紧急程度", "紧急" if v.get("urgency") == "urgent" else "一般"),
                  ("社区", _unit_name(v.get("community")))]
    elif event == "case_closed":
        lines += [("结果", _OUTCOMES.get(v.get("case_status") or "", v.get("case_status") or "")),
                  ("办理结果", _masked(v.get("result_summary") or v.get("verify_note"), names=names)),
                  ("居民评价", _RATINGS.get(v.get("rating") or "", "未评价"))]
    elif event == "rating_unsatisfied":
        lines += [("评价意见", _masked(v.get("rating_comment"), names=names) or "（无）"),
                  ("处理", "将重新办理" if int(v.get("reopen_count") or 0) < int(v.get("max_reopens") or 1)
                   else "已达重办次数上限")]
    return announce(event, grid, lines)


def announce_task(event: str, task) -> int:
    """催办 / 逾期 of one human task, for the robots over the task's scope unit."""
    from flask import current_app
    if task.is_trial:
        return 0
    unit = db.session.get(OrgUnit, task.scope_org_unit_id)
    due = ""
    if task.due_at:
        at = task.due_at if task.due_at.tzinfo else task.due_at.replace(tzinfo=UTC)
        due = at.astimezone(ZoneInfo(current_app.config["GOVFLOW"].TIMEZONE)).strftime("%Y-%m-%d %H:%M")
    instance = db.session.get(ProcessInstance, task.instance_id)
    names = reporter_names(instance.variables if instance else None)
    lines = [("编号", task.business_key or ""), ("事项", _masked(task.title, 40, names)), ("环节", task.name),
             ("承办单位", unit.name if unit else ""), ("办理期限", due)]
    return announce(event, unit, lines)


def queue_test_message(robot: RobotEndpoint, sent_by: str) -> None:
    """A test message to one robot, through the outbox like any other."""
    unit = db.session.get(OrgUnit, robot.org_unit_id)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    queue_robot_message(robot, TEST_EVENT, "GovFlow 测试消息",
                        [("机器人", robot.name), ("所属单位", unit.name if unit else ""),
                         ("发送人", sent_by), ("时间", stamp)], unit.code if unit else "")
