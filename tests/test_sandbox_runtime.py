"""Scripts run sandboxed inside the platform: results flow on, runaways become incidents."""
import time

import pytest
from sqlalchemy import select

from govflow.database import commit, writing
from govflow.extensions import db
from govflow.instances.models import Incident
from govflow.instances.service import start_instance


def _start(**variables):
    with writing():
        instance = start_instance("script_loop", "grid_yg_1", variables)
        commit()
    return instance


def test_script_result_reaches_process_data(deploy_fixture):
    deploy_fixture("script_loop.bpmn")
    instance = _start(n=4, spin=False)
    assert instance.status == "active" and instance.variables["score"] == 14


@pytest.mark.parametrize("variables, expected", [
    ({"n": 3, "spin": True}, "time limit"),    # while True: pass
    ({"n": 10 ** 12, "spin": False}, "time limit"),  # a huge loop is stopped
])
def test_runaway_script_becomes_incident_quickly(deploy_fixture, variables, expected):
    deploy_fixture("script_loop.bpmn")
    began = time.monotonic()
    instance = _start(**variables)
    assert time.monotonic() - began < 10
    assert instance.status == "error"
    incident = db.session.scalar(select(Incident).where(Incident.instance_id == instance.id))
    assert incident.element_id == "compute" and expected in incident.message.lower(), incident.message
