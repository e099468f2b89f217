"""Group robots (WeCom/DingTalk 群机器人) that hear about the events of an org unit."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow

ROBOT_KINDS = ("wecom", "dingtalk", "webhook")


class RobotEndpoint(Model):
    """One group robot of an org unit (the 三级微信群: grid, community, street groups)."""
    __tablename__ = "robot_endpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    #: wecom | dingtalk | webhook (a generic JSON receiver).
    kind: Mapped[str] = mapped_column(String(20))
    #: The robot's webhook address; it carries the robot's token, so it is shown masked.
    url: Mapped[str] = mapped_column(String(1000))
    #: DingTalk 加签 secret (SEC…). Needed in clear to sign each request; never shown back
    #: in full nor logged (see :func:`govflow.notifications.robots.mask_secret`).
    signing_secret: Mapped[str | None] = mapped_column(String(200))
    #: Event codes it receives (govflow.notifications.robots.EVENTS).
    events: Mapped[list] = mapped_column(JSON, default=list)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:  # no URL, no secret: reprs end up in logs
        return f"<RobotEndpoint {self.id} {self.kind} unit={self.org_unit_id}>"
