"""Fixtures for the staff pages: the test case process, signed-in page clients."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "govflow-demo"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


class PageClient:
    """A Flask test client signed in as one user; posts carry the page's CSRF token."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def get(self, url, **kw):
        response = self.client.get(url, **kw)
        if response.mimetype == "text/html" and "csrf_token" in response.text:
            self.token = csrf_of(response.text)
        return response

    def post(self, url, data=None, **kw):
        if self.token is None:
            self.get("/tasks")
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, **kw)


def _load(app, with_demo: bool) -> None:
    from govflow.database import commit, writing
    from govflow.definitions.service import deploy
    from govflow.demo import load_demo

    from . import forms  # noqa: F401  (registers the start form before deploying)
    with app.app_context(), writing():
        if with_demo:
            load_demo()
        deploy({"web_case.bpmn": (FIXTURES / "web_case.bpmn").read_bytes()})
        commit()


@pytest.fixture
def web_case(org):
    """Service tests: the web_case process deployed (inside the test's app context)."""
    from govflow.database import commit, writing
    from govflow.definitions.service import deploy

    from . import forms  # noqa: F401
    with writing():
        deploy({"web_case.bpmn": (FIXTURES / "web_case.bpmn").read_bytes()})
        commit()
    return "web_case"


@pytest.fixture
def web_app(app):
    """Page tests: demo org and web_case loaded, and *no* app context left pushed.

    A request made while an app context is pushed reuses it, and with it ``g``:
    Flask-Login's cached user and the CSRF token would leak from one request
    (and one signed-in client) to the next, which no real server does.
    """
    _load(app, with_demo=True)
    return app


@pytest.fixture
def page_as(web_app):
    """page_as('grid1') → a PageClient signed in as that demo user."""
    def make(username, password=PASSWORD):
        client = PageClient(web_app.test_client())
        login = client.get("/login")
        response = client.client.post("/login", data={"username": username, "password": password,
                                                      "csrf_token": csrf_of(login.text)})
        assert response.status_code == 302, response.text[:500]
        return client
    return make


@pytest.fixture
def principal_of(org):
    """principal_of('grid1') → that user's Principal, for calling services directly."""
    from govflow.identity.access import principal_for
    from govflow.identity.service import get_user

    def make(username):
        return principal_for(get_user(username))
    return make
