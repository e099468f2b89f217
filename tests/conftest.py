"""Fixtures: a migrated database (SQLite by default, PostgreSQL with
TEST_DATABASE_URL), emptied after each test, and factories for org data."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

FIXTURES = Path(__file__).parent / "fixtures"
#: Camunda-authored BPMN kept outside the repository: ../shared/corpus beside the
#: clone (as CI lays it out), or SHARED_CORPUS.
CORPUS = Path(os.environ.get("SHARED_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus")


def _private_postgres(url: str, purpose: str = ""):
    """A database of this test session's own on the server of ``url``, so that
    parallel runs (developers, CI) never drop each other's tables; ``purpose`` tells a
    test's extra database from the session's (same process, same pid)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{base.database}_{os.getpid()}{'_' + purpose if purpose else ''}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    drop = None
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        url, drop = _private_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    from flask_migrate import upgrade

    from govflow import create_app
    from govflow.extensions import db
    application = create_app({"TESTING": True, "SECRET_KEY": "test", "SCRIPT_TIME_LIMIT": 0.5,
                              "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                              "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads"))})
    with application.app_context():
        upgrade()
        if _sqlite():
            _snapshots.take("empty")
    yield application
    if drop:
        with application.app_context():
            db.engine.dispose()
        drop()


class _Snapshots:
    """SQLite only: the database as migrated ("empty") and with the demo data ("org"),
    copied into memory once per session. Copying one back with SQLite's backup API takes
    a few milliseconds, where emptying every table and loading the demo again took
    about 60 ms for each of a thousand tests. PostgreSQL keeps TRUNCATE and load_demo."""

    def __init__(self):
        self.copies: dict = {}

    @staticmethod
    def _raw(conn):
        return conn.connection.driver_connection

    def take(self, name: str) -> None:
        import sqlite3

        from govflow.extensions import db
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        with db.engine.connect() as conn:
            self._raw(conn).backup(copy)
        self.copies[name] = copy

    def restore(self, name: str) -> bool:
        """Copy ``name`` back over the test database; False when there is none yet."""
        from govflow.extensions import db
        if name not in self.copies:
            return False
        with db.engine.connect() as conn:
            self.copies[name].backup(self._raw(conn))
        return True


_snapshots = _Snapshots()


def _sqlite() -> bool:
    from govflow.extensions import db
    return db.engine.dialect.name == "sqlite"


@pytest.fixture(autouse=True)
def _clean_db(request):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    from govflow.extensions import db
    from govflow.identity.names import forget_names
    from govflow.instances.runtime import engine_cache
    engine_cache.clear()
    forget_names()
    with app.app_context():
        db.session.remove()
        if _sqlite():
            if not _snapshots.restore("empty"):
                raise RuntimeError("the migrated database was not copied at session start")
            return
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            conn.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def org(ctx):
    """The demo organisation and users, committed."""
    from govflow.database import commit, writing
    from govflow.demo import load_demo
    if _sqlite() and _snapshots.restore("org"):
        return ctx
    with writing():
        load_demo()
        commit()
    if _sqlite():
        _snapshots.take("org")
    return ctx


@pytest.fixture
def private_urls_allowed(app):
    """Robots and webhooks may reach 127.0.0.1 (a local receiver): ROBOT_ALLOW_PRIVATE_URLS."""
    settings = app.config["GOVFLOW"]
    settings.ROBOT_ALLOW_PRIVATE_URLS = True
    yield
    settings.ROBOT_ALLOW_PRIVATE_URLS = False


@pytest.fixture
def browser():
    """Chromium for the page tests (tests/web/browser.py); skips where it is missing."""
    from tests.web.browser import chromium
    with chromium() as launched:
        yield launched


class ApiClient:
    def __init__(self, client, token):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def get(self, url, **kw):
        return self.client.get("/api/v1" + url, headers=self.headers, **kw)

    def post(self, url, json=None, **kw):
        return self.client.post("/api/v1" + url, json=json, headers=self.headers, **kw)

    def upload(self, content: bytes = b"\x89PNG\r\n\x1a\n" + b"\0" * 64, filename: str = "photo.png") -> str:
        """POST /attachments as an integrator does for a form's file field; returns the id."""
        import io
        answer = self.client.post("/api/v1/attachments", headers=self.headers,
                                  data={"file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")
        assert answer.status_code == 201, answer.get_data(as_text=True)
        return answer.json["id"]


@pytest.fixture
def api_as(app, org):
    """api_as('grid1') → a client that sends that user's fresh API token."""
    from govflow.database import commit, writing
    from govflow.identity.service import get_user, issue_token
    client = app.test_client()

    def make(username):
        with writing():
            token = issue_token(get_user(username))
            commit()
        return ApiClient(client, token)
    return make


def deployer(directory: Path):
    """deploy(*names) of files in ``directory``, committed; returns the deploy result."""
    from govflow.database import commit, writing
    from govflow.definitions.service import deploy

    def run(*names):
        with writing():
            result = deploy({n: (directory / n).read_bytes() for n in names})
            commit()
        return result
    return run


@pytest.fixture
def deploy_fixture(org):
    return deployer(FIXTURES)


def pytest_collection_modifyitems(items):
    """Marks for `make test-fast`: browser tests by their fixture, live-process tests by
    where they live (tests/reliability) or what they start."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "browser" in fixtures:
            item.add_marker(pytest.mark.browser)
        if "tests/reliability/" in item.nodeid or "gunicorn" in item.nodeid:
            item.add_marker(pytest.mark.live)


def pytest_sessionstart(session):
    """In CI the corpus must be there: its tests would otherwise skip silently."""
    if os.environ.get("CI") == "true" and not CORPUS.is_dir():
        raise pytest.UsageError(f"the shared BPMN corpus is missing at {CORPUS}")
