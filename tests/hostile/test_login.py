"""Sign-in: a per-address limit beside the per-account lockout, one answer for unknown
and real names, failures kept in their own transaction; password resets, changes
and deactivation end API tokens and sessions."""
from __future__ import annotations

import statistics
import time

import pytest
from sqlalchemy import func, select

from govflow.extensions import db
from govflow.throttle import RateHit
from tests.web.conftest import PASSWORD, PageClient

from .conftest import csrf_of


def _post_login(client, username, password, address="10.1.1.1"):
    token = csrf_of(client.get("/login", environ_base={"REMOTE_ADDR": address}).text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def _body(response) -> str:
    """The refusal's visible text, without the per-page CSRF token."""
    import re
    return re.sub(r'value="[^"]*"', "", response.text)


def test_one_address_is_limited_before_it_can_lock_account_after_account(web_app):
    settings = web_app.config["GOVFLOW"]
    client = web_app.test_client()
    limit = settings.LOGIN_ADDRESS_MAX_FAILURES
    names = ["admin", "grid1", "grid2", "nobody", "cstaff", "street"]
    for n in range(limit):
        assert _post_login(client, names[n % len(names)], "wrong").status_code == 401
    refused = _post_login(client, "grid3", "wrong")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "登录失败次数过多" in refused.text
    # Even the right password waits: the address is refused before any password is looked at.
    assert _post_login(client, "grid3", PASSWORD).status_code == 429
    # Another address is not held up; in English the page says so in English.
    assert _post_login(client, "grid3", PASSWORD, address="10.9.9.9").status_code == 302
    english = web_app.test_client()
    english.get("/lang/en")
    answer = _post_login(english, "grid3", "x")
    assert answer.status_code == 429 and "Too many failed sign-ins" in answer.text


def test_forged_forwarded_for_buys_no_fresh_bucket(web_app):
    client = web_app.test_client()
    for n in range(web_app.config["GOVFLOW"].LOGIN_ADDRESS_MAX_FAILURES):
        token = csrf_of(client.get("/login").text)
        client.post("/login", data={"username": "grid1", "password": "x", "csrf_token": token},
                    headers={"X-Forwarded-For": f"203.0.113.{n}"})
    token = csrf_of(client.get("/login").text)
    assert client.post("/login", data={"username": "grid1", "password": "x", "csrf_token": token},
                       headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 429


@pytest.mark.parametrize("real", ["grid1", "admin"])
def test_unknown_names_and_real_ones_get_the_same_answer_even_when_locked(web_app, real):
    settings = web_app.config["GOVFLOW"]
    client = web_app.test_client()
    answers = []
    for n in range(settings.LOGIN_MAX_FAILURES + 2):  # real: locked after the fifth
        answers.append(_body(_post_login(client, real, f"wrong{n}", address=f"10.2.0.{n}")))
        answers.append(_body(_post_login(client, "no-such-user", f"wrong{n}", address=f"10.3.0.{n}")))
    assert len(set(answers)) == 1
    locked = _post_login(client, real, PASSWORD, address="10.4.0.1")
    assert locked.status_code == 401 and _body(locked) == answers[0]


def test_failures_survive_the_refusal_and_nothing_commits_by_hand(web_app):
    client = web_app.test_client()
    _post_login(client, "grid1", "wrong")
    _post_login(client, "nobody", "wrong")
    with web_app.app_context():
        from govflow.identity.service import get_user
        assert get_user("grid1").failed_logins == 1
        assert db.session.scalar(select(func.count(RateHit.id)).where(RateHit.bucket == "login")) == 2
    import pathlib
    import re
    views = [pathlib.Path("govflow/web/auth.py"), pathlib.Path("govflow/portal/views.py")]
    for path in views:
        assert not re.search(r"\bcommit\(\)|rollback\(\)", path.read_text()), path


def test_unknown_and_real_names_take_comparable_time(web_app):
    client = web_app.test_client()

    def timed(name, n):
        start = time.perf_counter()
        _post_login(client, name, "wrong", address=f"10.5.{n}.1")
        return time.perf_counter() - start
    real = [timed("grid1" if n % 2 else "grid2", n) for n in range(6)]
    unknown = [timed(f"ghost{n}", 100 + n) for n in range(6)]
    assert statistics.median(unknown) > statistics.median(real) / 3


# -- password reset, change and deactivation end tokens and sessions ----------------
def _tasks(web_app, token):
    return web_app.test_client().get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code


def _signed_in(web_app, username, password=PASSWORD) -> PageClient:
    client = PageClient(web_app.test_client())
    response = client.client.post("/login", data={"username": username, "password": password,
                                                  "csrf_token": csrf_of(client.get("/login").text)})
    assert response.status_code == 302
    return client


def _still_in(page: PageClient) -> bool:
    return page.client.get("/tasks").status_code == 200


def test_admin_reset_on_the_page_ends_tokens_and_sessions(web_app, page_as, tokens):
    victim, token = _signed_in(web_app, "grid1"), tokens["grid1"]
    assert _tasks(web_app, token) == 200 and _still_in(victim)
    admin = page_as("admin")
    admin.get("/admin/org/users/grid1")
    assert admin.post("/admin/org/users/grid1/password", data={}).status_code in (200, 302, 303)
    assert _tasks(web_app, token) == 401 and not _still_in(victim)


def test_admin_reset_over_rest_ends_tokens_and_sessions(web_app, tokens):
    victim, token = _signed_in(web_app, "grid2"), tokens["grid2"]
    admin = web_app.test_client()
    answer = admin.post("/api/v1/users/grid2/password", json={"password": "another-password-1"},
                        headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert answer.status_code == 200, answer.text
    assert _tasks(web_app, token) == 401 and not _still_in(victim)


def test_deactivation_ends_tokens_and_sessions_on_the_page_and_over_rest(web_app, page_as, tokens):
    for username, how in (("grid1", "page"), ("grid2", "rest")):
        victim, token = _signed_in(web_app, username), tokens[username]
        if how == "page":
            admin = page_as("admin")
            admin.get(f"/admin/org/users/{username}")
            admin.post(f"/admin/org/users/{username}/deactivate", data={})
        else:
            answer = web_app.test_client().patch(f"/api/v1/users/{username}", json={"is_active": False},
                                                 headers={"Authorization": f"Bearer {tokens['admin']}"})
            assert answer.status_code == 200, answer.text
        assert _tasks(web_app, token) == 401 and not _still_in(victim), username


def test_own_password_change_ends_tokens_and_other_sessions(web_app, tokens):
    other, token = _signed_in(web_app, "cstaff"), tokens["cstaff"]
    me = _signed_in(web_app, "cstaff")
    me.get("/password")
    new = "a-brand-new-password"
    assert me.post("/password", data={"current": PASSWORD, "new": new, "repeat": new}).status_code == 302
    assert _still_in(me) and not _still_in(other) and _tasks(web_app, token) == 401
