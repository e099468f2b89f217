"""Camunda's JavaScript external-task client (npm camunda-external-task-client-js),
run by node against a gunicorn on 127.0.0.1: it serves a topic and completes with
variables, reports failures whose retries count down to an incident, and throws a
BPMN error that an error boundary event catches."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.api.conftest import FIXTURES
from tests.reliability.live import ROOT, gunicorn, wait_for

from .test_live_clients import _basic, _call

NODE = shutil.which("node")
WORKER = Path(__file__).with_name("js_worker.mjs")

pytestmark = [pytest.mark.live,
              pytest.mark.skipif(NODE is None, reason="node is not installed")]


def _client_installed() -> bool:
    return (ROOT / "node_modules" / "camunda-external-task-client-js" / "package.json").is_file()


def _events(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [json.loads(line) for line in lines if line.startswith("{")]


def test_the_js_client_completes_fails_and_throws_bpmn_errors(org, app, tmp_path, deploy_api_fixture, api_as):
    assert _client_installed(), "run `npm install`: camunda-external-task-client-js is a devDependency"
    deploy_api_fixture("geocode.bpmn", "verify_id.bpmn")
    auth = _basic("grid1")
    with gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "gunicorn.log", app="wsgi:app") as (port, _):
        def start(key, address=None):
            body = {"variables": {"address": {"value": address, "type": "String"}}} if address else {}
            status, instance = _call(port, "POST", f"/process-definition/key/{key}/start", body, auth)
            assert status == 200, instance
            return instance["id"]

        done, failing, erring = start("geocode", "阳光路1号"), start("geocode", "FAIL"), start("verify_id")
        out = tmp_path / "worker.out"
        env = {**os.environ, "ENGINE_REST": f"http://127.0.0.1:{port}/engine-rest",
               "ENGINE_USER": "grid1", "ENGINE_PASSWORD": "govflow-demo"}
        with open(out, "w") as stdout, open(tmp_path / "worker.err", "w") as stderr:
            worker = subprocess.Popen([NODE, str(WORKER)], cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
        try:
            def handled_all():
                assert worker.poll() is None, (tmp_path / "worker.err").read_text()
                kinds = [e["event"] for e in _events(out)]
                return kinds.count("failure") == 3 and "bpmnError" in kinds and "complete" in kinds
            wait_for(handled_all, timeout=60, what="the JS worker to handle every task")
        finally:
            worker.terminate()
            worker.wait(timeout=10)
        events = _events(out)
        assert not [e for e in events if e["event"] == "poll:error"], events
        failures = [(e["seen"], e["retries"]) for e in events if e["event"] == "failure"]
        assert failures == [(None, 2), (2, 1), (1, 0)], (failures, (tmp_path / "worker.err").read_text())
        assert all(e["instance"] == failing for e in events if e["event"] == "failure")

        variables = _call(port, "GET", f"/process-instance/{done}/variables", auth=auth)[1]
        assert variables["located"]["value"] is True and variables["source"]["value"] == "js-client"
        assert variables["lat"]["value"] == 39.9
        (task,) = _call(port, "GET", f"/task?processInstanceId={done}", auth=auth)[1]
        assert task["taskDefinitionKey"] == "check"

        assert _call(port, "GET", f"/task?processInstanceId={failing}", auth=auth)[1] == []
        instance = api_as("admin").get(f"/process-instances/{failing}").json
        assert instance["status"] == "error", instance
        assert "地图服务不可用" in instance["incidents"][0]["message"]

        (recheck,) = _call(port, "GET", f"/task?processInstanceId={erring}", auth=auth)[1]
        assert recheck["taskDefinitionKey"] == "Activity_recheck"
        reason = _call(port, "GET", f"/process-instance/{erring}/variables", auth=auth)[1]["reason"]
        assert reason["value"] == "checksum"
