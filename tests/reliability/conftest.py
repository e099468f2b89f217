"""Fixtures for the reliability tests: the platform served by a real gunicorn with
two workers on the test database, and API tokens for its users."""
from __future__ import annotations

from pathlib import Path

import pytest

from . import handlers  # noqa: F401  (the crash tests' handlers, in this process too)
from .live import gunicorn

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def database_url(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"]


@pytest.fixture
def token_for(org):
    from govflow.database import commit, writing
    from govflow.identity.service import get_user, issue_token

    def make(username: str) -> str:
        with writing():
            token = issue_token(get_user(username), "reliability")
            commit()
        return token
    return make


@pytest.fixture
def deploy_reliability(org):
    from govflow.database import commit, writing
    from govflow.definitions.service import deploy

    def run(*names):
        with writing():
            deploy({n: (FIXTURES / n).read_bytes() for n in names})
            commit()
    return run


@pytest.fixture
def server(org, database_url, tmp_path):
    """(port, gunicorn master Popen): 2 sync workers on 127.0.0.1, stopped at teardown.
    Steps of ``reliability_slow`` hold while ``tmp_path/hold`` exists."""
    with gunicorn(database_url, tmp_path / "gunicorn.log", RELIABILITY_DIR=str(tmp_path)) as live:
        yield live
