"""A real OpenID provider (npm oidc-provider) on 127.0.0.1 for the single sign-on
tests, and the platform configured to use it. Skips where Node.js or the package
is missing."""
from __future__ import annotations

import html
import re
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from govflow.testing.live import ROOT, free_port, stop

PROVIDER_JS = Path(__file__).parent / "oidc_provider.mjs"
#: Where the Flask test client's pages live (url_for(_external=True) under it).
APP_BASE = "http://localhost"
_FORM = re.compile(r"<form[^>]*action=\"([^\"]+)\"[^>]*>(.*?)</form>", re.S)
_FIELD = re.compile(r"<(?:input|button)\b([^>]*)>")
_ATTR = re.compile(r"\b(name|value)=\"([^\"]*)\"")


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """The provider's issuer URL."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("Node.js or the npm package oidc-provider is missing (npm install)")
    port = free_port()
    log_path = tmp_path_factory.mktemp("oidc") / "provider.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([node, str(PROVIDER_JS), str(port), APP_BASE], cwd=ROOT,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        issuer = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(issuer + "/.well-known/openid-configuration", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the OpenID provider did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.1)
        yield issuer
    finally:
        stop(process)


@pytest.fixture
def sso_app(app, oidc_provider):
    """make(client_id="govflow", **settings) → the platform signing in through the provider
    (on the test database of ``app``)."""
    from govflow import create_app

    def make(client_id: str = "govflow", **settings):
        return create_app({"TESTING": True, "SECRET_KEY": "test", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                           "OIDC_ISSUER": oidc_provider, "OIDC_CLIENT_ID": client_id,
                           "OIDC_CLIENT_SECRET": f"{client_id}-secret", **settings})
    return make


class Browser:
    """A browser visiting both sites: the platform through its test client, the provider
    over HTTP with its own cookies. ``login`` is the name typed at the provider."""

    def __init__(self, app, login: str):
        self.client, self.provider, self.login = app.test_client(), requests.Session(), login
        self.login_forms_seen = 0

    def visit(self, url: str):
        """Follow redirects across both sites, filling the provider's forms, until the
        platform answers with something other than a redirect to the provider."""
        while True:
            if url.startswith(APP_BASE):
                parts = urlsplit(url)
                answer = self.client.get(parts.path + ("?" + parts.query if parts.query else ""))
                location = answer.headers.get("Location", "")
                if answer.status_code in (302, 303) and location.startswith("http://127.0.0.1"):
                    url = location
                    continue
                return answer
            url = self._at_provider(url)

    def _at_provider(self, url: str) -> str:
        answer = self.provider.get(url, allow_redirects=False, timeout=10)
        while answer.status_code == 200:
            match = _FORM.search(answer.text)
            assert match, answer.text[:2000]
            action, body = match.groups()
            fields = {}
            for attributes in _FIELD.findall(body):
                found = dict(_ATTR.findall(attributes))
                if "name" in found:
                    fields[found["name"]] = html.unescape(found.get("value", ""))
            if "login" in fields and "password" in fields:
                fields.update(login=self.login, password="any")
                self.login_forms_seen += 1
            if "/session/end" in action:  # "Yes, sign me out" is a button outside the form
                fields["logout"] = "yes"
            answer = self.provider.post(urljoin(url, html.unescape(action)), data=fields,
                                        allow_redirects=False, timeout=10)
            url = answer.url
        assert answer.status_code in (302, 303), (answer.status_code, answer.text[:2000])
        return urljoin(url, answer.headers["Location"])

    def sign_in(self, next_path: str = ""):
        return self.visit(APP_BASE + "/sso/login" + (f"?next={next_path}" if next_path else ""))
