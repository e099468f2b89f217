"""The real clients against a gunicorn on 127.0.0.1: Camunda's Python external-task
client serves a topic (HTTP Basic, then a bearer token), and a Modeler-style
deployment goes over the wire."""
from __future__ import annotations

import base64
import json
import urllib.request

import pytest

from tests.api.conftest import FIXTURES
from tests.reliability.live import gunicorn, wait_for

pytest.importorskip("camunda.external_task.external_task_worker")


def _multipart(fields: dict[str, str], files: dict[str, bytes]) -> tuple[bytes, str]:
    boundary = "----govflowModeler"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="{n}"; filename="{n}"\r\n'
              f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n" for n, data in files.items()]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _basic(username: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:govflow-demo".encode()).decode()


def _call(port, method, path, body=None, auth="", content_type="application/json"):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/engine-rest{path}", method=method,
                                     data=body if isinstance(body, bytes) or body is None else json.dumps(body).encode(),
                                     headers={"Authorization": auth, "Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read() or b"null")


@pytest.mark.slow
def test_modeler_deploys_and_the_python_client_serves_a_topic(org, app, tmp_path):
    from camunda.external_task.external_task_worker import ExternalTaskWorker

    from govflow.database import commit, writing
    from govflow.identity.service import get_user, issue_token
    with writing():
        token = issue_token(get_user("grid1"))
        commit()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with gunicorn(url, tmp_path / "gunicorn.log", app="wsgi:app") as (port, _process):
        body, content_type = _multipart({"deployment-name": "geocode", "deployment-source": "Camunda Modeler",
                                         "deploy-changed-only": "true"},
                                        {"geocode.bpmn": (FIXTURES / "geocode.bpmn").read_bytes()})
        status, deployment = _call(port, "POST", "/deployment/create", body, _basic("designer"), content_type)
        assert status == 200 and deployment["deployedProcessDefinitions"], deployment
        ids = [_call(port, "POST", "/process-definition/key/geocode/start",
                     {"variables": {"address": {"value": f"阳光路{n}号", "type": "String"}}},
                     _basic("grid1"))[1]["id"] for n in (1, 2)]
        seen = []

        def geocode(task):
            seen.append(task.get_variable("address"))
            return task.complete({"lat": 39.9, "located": True})

        for config in ({"auth_basic": {"username": "grid1", "password": "govflow-demo"}},
                       {"auth_bearer": {"access_token": token}}):
            worker = ExternalTaskWorker("py-worker", f"http://127.0.0.1:{port}/engine-rest",
                                        {**config, "maxTasks": 1, "lockDuration": 10_000,
                                         "asyncResponseTimeout": 2000, "sleepSeconds": 0, "isDebug": False})
            worker.fetch_and_execute("geocode", geocode)
        assert sorted(seen) == ["阳光路1号", "阳光路2号"]
        for instance_id in ids:
            wait_for(lambda instance_id=instance_id: _call(port, "GET", f"/task?processInstanceId={instance_id}", auth=f"Bearer {token}")[1],
                     timeout=10, what="the user task after the worker")
            variables = _call(port, "GET", f"/process-instance/{instance_id}/variables", auth=f"Bearer {token}")[1]
            assert variables["located"] == {"type": "Boolean", "value": True, "valueInfo": {}}
