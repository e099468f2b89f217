"""Client address and scheme behind reverse proxies (TRUSTED_PROXIES)."""
from __future__ import annotations

import pytest
from flask import Flask, request, session

from govflow.settings import Settings, SettingsError
from govflow.web.security import init_security
from tests.web.conftest import csrf_of


def _bare_app(trusted: int) -> Flask:
    """Only the security wiring, on a two-route app: what ProxyFix makes of the headers."""
    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", GOVFLOW=Settings.from_env({"TRUSTED_PROXIES": trusted}))
    init_security(app)

    @app.route("/who")
    def who():
        session["seen"] = 1
        return f"{request.remote_addr} {request.scheme}"
    return app


FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


def test_forwarded_headers_are_ignored_when_no_proxy_is_trusted():
    response = _bare_app(0).test_client().get("/who", headers=FORWARDED)
    assert response.text == "127.0.0.1 http"
    assert "Strict-Transport-Security" not in response.headers and "Secure" not in response.headers["Set-Cookie"]


def test_one_trusted_proxy_gives_the_client_address_and_https():
    response = _bare_app(1).test_client().get("/who", headers={
        "X-Forwarded-For": "198.51.100.1, 203.0.113.9", "X-Forwarded-Proto": "https"})
    assert response.text == "203.0.113.9 https"  # the hop the proxy appended, not the client's claim
    assert "Strict-Transport-Security" in response.headers and "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize("raw", ["-1", "many"])
def test_a_bad_trusted_proxies_setting_fails_at_start(monkeypatch, raw):
    monkeypatch.setenv("TRUSTED_PROXIES", raw)
    with pytest.raises(SettingsError):
        Settings.from_env()


def test_cookie_secure_setting_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("COOKIE_SECURE", "true")
    assert Settings.from_env().COOKIE_SECURE is True
    monkeypatch.setenv("COOKIE_SECURE", "maybe")
    with pytest.raises(SettingsError):
        Settings.from_env()


def test_portal_rate_limit_ignores_a_forged_x_forwarded_for(web_app):
    """With no trusted proxy, rotating X-Forwarded-For does not buy fresh rate-limit buckets
    (accepted reports count; case_handling receives them)."""
    from govflow.database import commit, writing
    from govflow.definitions.service import deploy
    from tests.processes.test_case_handling_helpers import case_files
    with web_app.app_context(), writing():
        deploy(case_files())
        commit()
    client = web_app.test_client()
    token = csrf_of(client.get("/report").text)
    report = {"csrf_token": token, "community": "comm_yangguang", "grid": "grid_yg_1", "category": "road",
              "description": "路灯坏了一周", "address": "阳光小区3栋"}
    statuses = [client.post("/report", data=report, headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
                for i in range(6)]
    assert statuses == [302] * 5 + [429]
