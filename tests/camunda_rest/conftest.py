"""Clients of /engine-rest: HTTP Basic (as Camunda's clients send it) or a bearer token."""
from __future__ import annotations

import base64

import pytest

from tests.api.conftest import FIXTURES, deploy_api_fixture  # noqa: F401  (fixture)

PASSWORD = "govflow-demo"


class EngineRest:
    def __init__(self, client, header):
        self.client, self.headers = client, {"Authorization": header}

    def get(self, url, **kw):
        return self.client.get("/engine-rest" + url, headers=self.headers, **kw)

    def post(self, url, body=None, **kw):
        if body is not None:
            kw["json"] = body
        return self.client.post("/engine-rest" + url, headers=self.headers, **kw)

    def put(self, url, body=None):
        return self.client.put("/engine-rest" + url, headers=self.headers, json=body)

    def delete(self, url):
        return self.client.delete("/engine-rest" + url, headers=self.headers)


@pytest.fixture
def engine_rest(app, org):
    """engine_rest('grid1') → Basic auth; engine_rest('grid1', token=True) → a bearer token."""
    from govflow.database import commit, writing
    from govflow.identity.service import get_user, issue_token
    client = app.test_client()

    def make(username, token=False, password=PASSWORD):
        if token:
            with writing():
                header = f"Bearer {issue_token(get_user(username))}"
                commit()
        else:
            header = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
        return EngineRest(client, header)
    return make
