"""Huge and negative numbers in paths, query strings and bodies: 404/422, never 500.

Walks Flask's URL map (as the authorization matrix does): every rule with an int
converter is called with each hostile number in place of each id, and every GET
page and API list with hostile ``page``/``limit``/``offset``/``version`` arguments —
as a signed-in administrator (pages) and with an administrator's token (API)."""
from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from .conftest import FIGURES

HOSTILE = ("99999999999999999999", "-1", "18446744073709551616", "0x10", "1e9")
QUERY_ARGS = ("page", "limit", "offset", "version", "a", "b")
_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _url(rule, value: str) -> str:
    return _PARAM.sub(lambda m: value if isinstance(rule._converters[m.group(2)], IntegerConverter) else "x",
                      rule.rule)


def _call(client, headers, method, url):
    kwargs = {"headers": headers}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    return client.open(url, method=method, **kwargs)


@pytest.fixture
def callers(web_app, page_as, tokens):
    api = web_app.test_client()
    return {"page": (page_as("admin").client, {}), "api": (api, {"Authorization": f"Bearer {tokens['admin']}"})}


def test_ids_beyond_range_in_every_route_are_404(web_app, callers):
    calls = 0
    for rule in web_app.url_map.iter_rules():
        if not any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            continue
        client, headers = callers["api" if rule.rule.startswith("/api/") else "page"]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for value in HOSTILE:
                response = _call(client, headers, method, _url(rule, value))
                calls += 1
                # 405: another rule of the same shape exists for other methods; never reached a view
                assert response.status_code in (404, 405), (method, rule.rule, value, response.status_code)
    FIGURES["huge numbers: id routes × methods × values"] = calls
    assert calls > 50


@pytest.mark.slow
def test_page_and_limit_arguments_on_every_get_are_never_500(web_app, callers):
    calls = 0
    for rule in web_app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or "logout" in rule.endpoint:
            continue
        # /readyz answers 503 by design while no background worker beats (none runs here).
        expected_5xx = {503} if rule.endpoint == "ops.readyz" else set()
        client, headers = callers["api" if rule.rule.startswith("/api/") else "page"]
        base = _url(rule, "1")
        for name in QUERY_ARGS:
            for value in HOSTILE:
                response = client.get(f"{base}?{name}={value}", headers=headers)
                calls += 1
                assert response.status_code < 500 or response.status_code in expected_5xx, \
                    (rule.rule, name, value, response.status_code)
    FIGURES["huge numbers: GET routes × arguments × values"] = calls


@pytest.mark.parametrize("url", ["/board", "/notifications", "/admin/instances", "/admin/org/users"])
@pytest.mark.parametrize("value", ["99999999999999999999", "-1", "abc"])
def test_the_named_pages_refuse_a_hostile_page_with_422(callers, url, value):
    client, _ = callers["page"]
    response = client.get(f"{url}?page={value}")
    assert response.status_code == 422, (url, value, response.status_code)


@pytest.mark.parametrize("body", [
    {"limit": "99999999999999999999"}, {"offset": "-1"}, {"limit": "0"}, {"offset": "99999999999999999999"}])
def test_api_list_arguments_are_bounded(callers, body):
    client, headers = callers["api"]
    query = "&".join(f"{k}={v}" for k, v in body.items())
    for url in ("/api/v1/tasks", "/api/v1/process-instances"):
        assert client.get(f"{url}?{query}", headers=headers).status_code == 422


def test_api_bodies_with_huge_ids_are_422(callers):
    client, headers = callers["api"]
    response = client.post("/api/v1/admin/instances/migrate", headers=headers, json={
        "process_key": "web_case", "instance_ids": [99999999999999999999], "reason": "x"})
    assert response.status_code == 422
    response = client.post("/api/v1/admin/instances/1/operations", headers=headers, json={
        "operation": "retry", "incident_id": -1, "reason": "x"})
    assert response.status_code in (404, 422)


@pytest.mark.parametrize("value", ["99999999999999999999", "-1", "1e99"])
def test_form_bodies_with_huge_numbers_are_refused_not_500(page_as, world, value):
    admin = page_as("admin")
    instance = world["instance:in"]
    admin.get(f"/admin/instances/{instance}")
    for data in ({"operation": "retry", "incident_id": value}, {"operation": "reassign", "task_id": value,
                                                                  "username": "grid1"},
                 {"operation": "migrate", "version": value}):
        response = admin.post(f"/admin/instances/{instance}/operations", data={**data, "reason": "hostile"})
        assert response.status_code < 500, (data, response.status_code)
    admin.get("/admin/org/users/grid1")
    for action, field in (("revoke-token", "token_id"), ("revoke", "grant_id")):
        response = admin.post(f"/admin/org/users/grid1/{action}", data={field: value})
        assert response.status_code < 500, (action, response.status_code)
