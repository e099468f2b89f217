"""The start catalogue offers each role what it may start (camunda:candidateStarterGroups)."""
from __future__ import annotations

import re

import pytest

from tests.processes.test_owners_branch_dual_support import PROCESSES, deploy_processes

EVERY_PROCESS = ("case_handling", "owners_committee_formation", "weak_branch_rectification", "dual_reporting",
                 "dual_reporting_unit")


@pytest.fixture
def processes_deployed(web_app):
    with web_app.app_context():
        deploy_processes(*sorted(p.name for p in PROCESSES.iterdir() if p.suffix in (".bpmn", ".dmn")))


@pytest.mark.parametrize("username, offered", [
    ("grid1", {"case_handling"}),
    ("member", {"dual_reporting"}),
    ("cstaff", {"case_handling", "owners_committee_formation", "dual_reporting", "dual_reporting_unit"}),
    ("partycommittee", {"weak_branch_rectification"}),
    ("unitsec", set()),
    ("urban", set()),
    ("admin", set(EVERY_PROCESS)),
])
def test_the_catalogue_offers_what_the_role_may_start(processes_deployed, page_as, username, offered):
    client = page_as(username)
    page = client.get("/start").text
    shown = set(re.findall(r'data-testid="start-([a-z_]+)"', page)) - {"web_case"}   # the fixture: no starter groups
    assert shown == offered
    for key in set(EVERY_PROCESS) - offered:
        assert client.get(f"/start/{key}").status_code == 404, key
