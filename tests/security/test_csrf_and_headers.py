"""CSRF on every form post, and the security headers on every response.

Both enumerate Flask's url_map, so a page added later is covered without a test
naming it.
"""
from __future__ import annotations

import io

import pytest

from tests.web.conftest import csrf_of

from .conftest import FIGURES, PNG, fingerprint
from .test_authz_matrix import PARAMS as OBJECT_PARAMS
from .test_authz_matrix import Caller, _fill

CSP = {"script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:",
       "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'", "form-action 'self'"}


def _html_posts(app):
    return sorted((r for r in app.url_map.iter_rules()
                   if "POST" in r.methods and not r.rule.startswith(("/api/", "/engine-rest/"))), key=lambda r: r.rule)


def _url(rule, world):
    values = {name: world[f"{OBJECT_PARAMS[name]}:in"] for name in rule.arguments if name in OBJECT_PARAMS}
    return _fill(rule, {**values, "code": "AAAAAAAAAAAAAAAA"})


def test_every_form_post_without_a_token_is_refused_and_changes_nothing(web_app, world, tokens):
    """Posted by users who could otherwise do it (grid1 on its own task, the administrator
    on the admin console), with a complete form — only the token is missing or wrong."""
    world = {**world, "process:in": "web_case"}
    callers = {"grid1": Caller(web_app, "grid1", None), "admin": Caller(web_app, "admin", None)}
    checked = 0
    for rule in _html_posts(web_app):
        caller = callers["admin" if rule.rule.startswith("/admin") else "grid1"]
        url = _url(rule, world)
        for token in (None, "forged", caller.csrf[:-4] + "AAAA"):
            data = {"comment": "x", "title": "x", "description": "x", "username": "grid1",
                    "password": "govflow-demo", "operation": "suspend", "reason": "x",
                    "file": (io.BytesIO(PNG), "photo.png")}
            if token:
                data["csrf_token"] = token
            before = fingerprint(web_app)
            response = caller.client.post(url, data=data)
            assert response.status_code == 400, (rule.endpoint, token, response.status_code)
            assert fingerprint(web_app) == before, rule.endpoint
            checked += 1
    assert caller.client.get("/tasks").status_code == 200  # logout without a token did not sign out
    FIGURES["CSRF: form posts refused without a valid token"] += checked


def _check_headers(response, where):
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Referrer-Policy") == "same-origin", where
    assert "camera=()" in headers.get("Permissions-Policy", ""), where
    policy = headers.get("Content-Security-Policy", "")
    if "sandbox" not in policy:  # uploads are served under a stricter, sandboxing policy
        assert CSP <= {p.strip() for p in policy.split(";")}, (where, policy)
    assert "Strict-Transport-Security" not in headers, where  # plain http: no HSTS


def test_every_response_carries_the_security_headers(web_app, world, tokens):
    world = {**world, "process:in": "web_case"}
    callers = [Caller(web_app, None, None), Caller(web_app, "admin", tokens["admin"]),
               Caller(web_app, "grid3", tokens["grid3"])]  # grid3: refusals (404/403) too
    checked = 0
    for rule in web_app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        url = _url(rule, {**world, "filename": "app.css"}) if rule.arguments else rule.rule
        for caller in callers:
            _check_headers(caller.call("GET", url), f"GET {url}")
            checked += 1
    for caller in callers:  # error pages and the JSON errors of the API
        for method, url in (("GET", "/no/such/page"), ("POST", "/api/v1/process-instances"),
                            ("POST", "/tasks/1/claim")):
            _check_headers(caller.call(method, url), f"{method} {url}")
            checked += 1
    FIGURES["security headers: responses checked"] += checked


def test_hsts_and_secure_cookies_over_https(web_app):
    client = web_app.test_client()
    page = client.get("/login", base_url="https://govflow.example")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = page.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    plain = web_app.test_client().get("/login")
    assert "Secure" not in plain.headers["Set-Cookie"] and "HttpOnly" in plain.headers["Set-Cookie"]


def test_login_over_https_checks_the_referer_and_sets_a_secure_cookie(web_app):
    client = web_app.test_client()
    site = "https://govflow.example"
    token = csrf_of(client.get("/login", base_url=site).text)
    form = {"username": "grid1", "password": "govflow-demo", "csrf_token": token}
    # Over https Flask-WTF also wants a same-site Referer: a token alone is not enough.
    assert client.post("/login", data=form, base_url=site).status_code == 400
    assert client.post("/login", data=form, base_url=site,
                       headers={"Referer": "https://evil.example/login"}).status_code == 400
    response = client.post("/login", data=form, base_url=site, headers={"Referer": site + "/login"})
    cookie = response.headers["Set-Cookie"]
    assert response.status_code == 302 and {"Secure", "HttpOnly", "SameSite=Lax"} <= {
        p.strip() for p in cookie.split(";")}


@pytest.mark.parametrize("code", ["en", "zh_CN"])
def test_language_switch_is_no_open_redirect(web_app, code):
    response = web_app.test_client().get(f"/lang/{code}?next=https://evil.example/")
    assert response.status_code == 302 and not response.headers["Location"].startswith(("http", "//"))
