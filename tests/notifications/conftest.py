"""Notification fixtures: a receiver on 127.0.0.1, robots, the case process deployed."""
from __future__ import annotations

import pytest

from govflow.database import commit, writing
from govflow.notifications.robot_admin import RobotInput, add_robot
from govflow.notifications.robots import EVENTS
from tests.notifications.receiver import Receiver
from tests.processes.test_case_handling_helpers import case_deployed  # noqa: F401

DING_SECRET = "SEC0123456789abcdef0123456789abcdef"


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def make_robot(unit: str, url: str, kind: str = "webhook", events=tuple(EVENTS), secret=None, name=None):
    with writing():
        robot = add_robot(unit, RobotInput(name=name or f"{unit} 群", kind=kind, url=url,
                                           secret=secret, events=list(events)))
        commit()
    return robot



@pytest.fixture(autouse=True)
def _robots_may_reach_the_local_receiver(request):
    """The receiver listens on 127.0.0.1, which the SSRF guard refuses by default."""
    if "app" in request.fixturenames:
        request.getfixturevalue("private_urls_allowed")
