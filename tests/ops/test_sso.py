"""Single sign-on against a real OpenID provider (tests/ops/oidc_provider.mjs)."""
from __future__ import annotations

import base64
import json
import logging
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from sqlalchemy import select

from govflow.demo import DEMO_PASSWORD
from govflow.extensions import db
from govflow.identity.models import User
from tests.web.conftest import csrf_of

from .conftest import Browser


@pytest.fixture
def swap_id_token(monkeypatch):
    """change(fn) → every token answer's id_token goes through ``fn`` on its way to the
    platform (a man in the middle, or a token meant for someone else)."""
    original = OAuth2Session.fetch_token
    seen = []

    def change(fn=None):
        def fetch(self, *args, **kwargs):
            token = original(self, *args, **kwargs)
            seen.append(token["id_token"])
            if fn is not None:
                token["id_token"] = fn(token["id_token"])
            return token
        monkeypatch.setattr(OAuth2Session, "fetch_token", fetch)
        return seen
    return change


def test_a_known_user_signs_in_and_keeps_the_grants_govflow_gave(org, sso_app):
    browser = Browser(sso_app(), "grid1")
    answer = browser.sign_in("/tasks")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/tasks")
    assert browser.login_forms_seen == 1
    assert browser.client.get("/tasks").status_code == 200


def test_an_unknown_user_is_created_without_any_grant(org, sso_app):
    answer = Browser(sso_app(), "newcomer").sign_in()
    assert answer.status_code == 200 and 'data-testid="sso-no-access"' in answer.text
    with org.app_context():
        user = db.session.scalar(select(User).where(User.username == "newcomer"))
        assert user is not None and user.grants == [] and not user.is_admin
        assert user.password_hash == "" and user.display_name == "SSO newcomer"


def test_logout_ends_both_sessions(org, sso_app):
    browser = Browser(sso_app(), "grid1")
    browser.sign_in()
    browser.client.get("/login")  # a second sign-in passes the provider without a form …
    token = csrf_of(browser.client.get("/tasks").text)
    out = browser.client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 302 and "/session/end" in out.headers["Location"]
    assert "id_token_hint=" in out.headers["Location"]
    back = browser.visit(out.headers["Location"])  # the provider asks, then sends us to /login
    assert back.status_code == 200 and browser.client.get("/tasks").status_code == 302
    browser.sign_in()  # … but after logging out the provider asks for the name again
    assert browser.login_forms_seen == 2


def test_a_provider_session_signs_in_again_without_a_form(org, sso_app):
    browser = Browser(sso_app(), "grid1")
    browser.sign_in()
    browser.client.get("/logout")  # only GET: no logout happened
    browser.sign_in()
    assert browser.login_forms_seen == 1


def _claims_changed(raw: str) -> str:
    header, payload, signature = raw.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["preferred_username"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_a_tampered_id_token_is_refused(org, sso_app, swap_id_token):
    swap_id_token(_claims_changed)
    answer = Browser(sso_app(), "grid1").sign_in()
    assert answer.status_code == 401


def test_an_expired_id_token_is_refused(org, sso_app, swap_id_token):
    swap_id_token(lambda raw: time.sleep(2.2) or raw)  # the expired client's tokens live 1 s
    answer = Browser(sso_app("govflow-expired", OIDC_CLOCK_SKEW_SECONDS=0), "grid1").sign_in()
    assert answer.status_code == 401


def test_a_token_for_another_client_is_refused(org, sso_app, swap_id_token, oidc_provider, caplog):
    """A genuine id_token, with this sign-in's nonce, but issued to the client "other"."""
    browser = Browser(sso_app(), "grid1")
    ours = browser.client.get("/sso/login").headers["Location"]
    query = dict(parse_qsl(urlsplit(ours).query))
    query.update(client_id="other")
    for pkce in ("code_challenge", "code_challenge_method"):
        query.pop(pkce)
    callback = f"{oidc_provider}/auth?{urlencode(query)}"
    while not callback.startswith("http://localhost"):
        callback = browser._at_provider(callback)
    theirs = requests.post(f"{oidc_provider}/token", auth=("other", "other-secret"), timeout=10, data={
        "grant_type": "authorization_code", "code": dict(parse_qsl(urlsplit(callback).query))["code"],
        "redirect_uri": query["redirect_uri"]}).json()["id_token"]
    swap_id_token(lambda _raw: theirs)
    caplog.set_level(logging.WARNING, logger="govflow.identity.sso")
    assert browser.visit(ours).status_code == 401
    assert any("'aud'" in str(getattr(r, "fields", {})) for r in caplog.records)


def test_a_token_from_another_sign_in_is_refused_by_its_nonce(org, sso_app, swap_id_token, caplog):
    seen = swap_id_token()
    platform = sso_app()
    Browser(platform, "grid1").sign_in()
    earlier = seen[-1]
    swap_id_token(lambda _raw: earlier)
    caplog.set_level(logging.WARNING, logger="govflow.identity.sso")
    assert Browser(platform, "grid1").sign_in().status_code == 401
    assert any("nonce" in str(getattr(r, "fields", {})) for r in caplog.records)


def test_a_callback_this_browser_did_not_start_is_refused(org, sso_app):
    platform = sso_app()
    assert platform.test_client().get("/sso/callback?code=abc&state=forged").status_code == 401
    browser = Browser(platform, "grid1")
    browser.client.get("/sso/login")
    assert browser.client.get("/sso/callback?code=abc&state=forged").status_code == 401


def test_a_replayed_callback_is_refused(org, sso_app):
    browser = Browser(sso_app(), "grid1")
    first = browser.client.get("/sso/login")
    callback = first.headers["Location"]
    while not callback.startswith("http://localhost"):
        callback = browser._at_provider(callback)
    path = callback.removeprefix("http://localhost")
    assert browser.client.get(path).status_code == 302
    assert browser.client.get(path).status_code == 401


def test_local_passwords_can_be_kept_for_administrators(org, sso_app):
    platform = sso_app(PASSWORD_LOGIN="administrators")
    client = platform.test_client()
    token = csrf_of(client.get("/login").text)
    staff = client.post("/login", data={"username": "grid1", "password": DEMO_PASSWORD, "csrf_token": token})
    assert staff.status_code == 401 and "工作人员请通过统一身份认证登录" in staff.text
    admin = client.post("/login", data={"username": "admin", "password": DEMO_PASSWORD, "csrf_token": token})
    assert admin.status_code == 302


def test_sso_pages_are_404_when_it_is_not_configured(app):
    assert app.test_client().get("/sso/login").status_code == 404
