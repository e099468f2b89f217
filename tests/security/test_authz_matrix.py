"""Authorization matrix: every route of the URL map × every role × inside/outside.

Routes are enumerated from Flask's url_map, so a route added later is checked
without anyone remembering to: it is classified by the rules below (URL prefix
first, then blueprint), and a route no rule classifies fails the test by name.
Parameterised routes are called with concrete objects of the ``world`` fixture
— a task, instance, attachment and notification inside 阳光一网格 and the same
outside it, in 幸福一网格. Expected:

* a role the route's class does not admit is refused (anonymous: to the login
  page or 401; signed-in: 403/404), whatever the object;
* a read of an object the role may not read is refused (404 or 403), and a read
  of one it may read answers;
* a write to an object the role may not read is refused and changes nothing.
"""
from __future__ import annotations

import io
import re

import pytest

from tests.web.conftest import PASSWORD, csrf_of

from .conftest import FIGURES, PNG, fingerprint

#: role → demo user (None: no sign-in). Roles as in govflow/identity/models.py.
ROLES = {
    "anonymous": None, "resident": None, "grid_worker": "grid1", "community_staff": "cstaff",
    "street_officer": "street", "department_handler": "urban", "supervisor": "supervisor",
    "designer": "designer", "admin": "admin",
}
STAFF = {r for r, u in ROLES.items() if u}

#: Route classes and the roles each admits. Prefix rules come first so that the
#: admin and designer pages being built elsewhere are covered the day they merge.
PREFIXES = [
    ("/api/v1/admin/", "api-admin"), ("/api/v1/openapi.json", "public"), ("/api/v1/", "api"),
    ("/engine-rest/", "api"), ("/admin", "admin"), ("/designer", "designer"),
]
BLUEPRINTS = {
    "portal": "public", "static": "public", "auth": "public", "worklist": "staff", "task_actions": "staff",
    "start": "staff", "notifications": "staff", "account": "staff", "uploads": "staff",
    "ops": "public", "sso": "public",  # probes, /metrics (its own token), the sign-in through the provider
}
ENDPOINTS = {  # exceptions to their blueprint's class
    "auth.logout": "staff",
    "definitions.create_deployment": "api-designer",
    **{f"process-instances.{name}": "api-admin"
       for name in ("move_instance", "resume_instance", "suspend_instance", "terminate_instance", "retry")},
    "definitions.validate_deployment": "api-designer",
    "org-units.list_org_units": "api",   # integrators need the unit codes
    "admin-console.export": "api-ledger",  # 督办 supervisors download the (masked) ledger
    "engine_rest.create_deployment": "api-designer", "engine_rest.deployments": "api-designer",
}
#: API blueprints that belong to administrators as a whole (robots, users and grants).
ADMIN_API_BLUEPRINTS = {"robots", "org-units"}
ADMITS = {
    "public": set(ROLES), "staff": STAFF, "api": STAFF,
    "admin": {"admin"}, "api-admin": {"admin"},
    "designer": {"designer", "admin"}, "api-designer": {"designer", "admin"},
    "api-ledger": {"admin", "supervisor"},
}

#: Objects each role may read, by the jurisdiction rule: tasks by candidate role at
#: or above the task's unit; instances (API) by any grant at or above its unit;
#: attachments by their uploader or a reader of a task of the case; notifications
#: by their owner only.
EVERY_INSTANCE = {"instance:in", "instance:out"}
READS = {
    "grid_worker": {"process:in", "task:in", "instance:in", "upload:in", "notification:in"},
    "community_staff": {"instance:in"},
    "street_officer": EVERY_INSTANCE, "supervisor": EVERY_INSTANCE, "designer": EVERY_INSTANCE,
    "department_handler": set(),
    "admin": {"process:in", "task:in", "task:out", "upload:in", "upload:out"} | EVERY_INSTANCE,
}
PARAMS = {"key": "process", "task_id": "task", "instance_id": "instance", "upload_id": "upload",
          "notification_id": "notification"}
#: Valid bodies, so that a refusal comes from the access rule and not from validation.
API_BODIES = {"move": {"element_id": "verify", "reason": "matrix"}, "complete": {"variables": {}},
              "transfer": {"user": "cstaff"}, "delegate": {"user": "cstaff"}, "resolve": {"comment": "matrix"},
              "return": {"step": "verify", "comment": "matrix"}, "copy": {"users": ["cstaff"]},
              "comments": {"message": "matrix"}, "create": {"message": "matrix"},
              "cosigners": {"user": "cstaff", "position": "before"}, "sign": {"comment": "matrix"}}
FIXED = {"filename": "app.css", "code": "en", "incident_id": "2147483000"}
#: Routes whose parameter the world has no object for (a DMN file of the designer).
NO_OBJECT = {"designer.decision", "designer.decision_xml", "designer.save_decision",
             "designer.validate_decision", "designer.deploy_decision", "designer.discard_decision"}
#: Where a parameter name means something else on one route: a real object there.
FIXED_BY_ENDPOINT = {"organisation.unit_detail": {"code": "grid_yg_1"},
                     "organisation.user_detail": {"username": "grid1"}}
#: Processes: web_case may be started by grid workers and community secretaries.
PROCESSES = {"process:in": "web_case", "process:out": "no_such_process"}


def classify(rule) -> str:
    if rule.endpoint in ENDPOINTS:
        return ENDPOINTS[rule.endpoint]
    if rule.endpoint.split(".")[0] in ADMIN_API_BLUEPRINTS:
        return "api-admin"
    for prefix, cls in PREFIXES:
        if rule.rule.startswith(prefix):
            return cls
    cls = BLUEPRINTS.get(rule.endpoint.split(".")[0])
    assert cls, f"route {rule.endpoint} ({rule.rule}) is in no class of the authorization matrix"
    return cls


def test_every_route_is_classified(web_app):
    for rule in web_app.url_map.iter_rules():
        classify(rule)


class Caller:
    """One role's way in: a signed-in page session and an API token."""

    def __init__(self, app, username, token):
        self.client = app.test_client()
        self.api = {"Authorization": f"Bearer {token}"} if token else {}
        page = self.client.get("/login")
        if username:
            self.client.post("/login", data={"username": username, "password": PASSWORD,
                                             "csrf_token": csrf_of(page.text)})
            page = self.client.get("/notifications")
        self.csrf = csrf_of(page.text)

    def call(self, method, url):
        if url.startswith("/api/") and url.endswith("/attachments") and method == "POST":
            return self.client.open(url, method=method, headers=self.api,
                                    data={"file": (io.BytesIO(PNG), "photo.png")})
        if url.startswith(("/api/", "/engine-rest/")):
            return self.client.open(url, method=method, headers=self.api,
                                    json=API_BODIES.get(url.rsplit("/", 1)[-1], {}) if method == "POST" else None)
        data = {"csrf_token": self.csrf} if method == "POST" else None
        if url.endswith("/attachments"):
            data["file"] = (io.BytesIO(PNG), "photo.png")
        return self.client.open(url, method=method, data=data)


def refused(response, missing_is_refusal=True) -> bool:
    codes = (401, 403, 404) if missing_is_refusal else (401, 403)
    return response.status_code in codes or (
        response.status_code == 302 and response.headers["Location"].startswith("/login"))


#: A parameter the matrix has no object for (a route added since): a value that names
#: nothing. The route's class is still enforced; an admitted role may get a 404.
PLACEHOLDER = "placeholder"


def _cases(rule, world):
    """(url, object key or None) for each concrete call of the rule."""
    objects = [p for p in rule.arguments if p in PARAMS]
    if not objects:
        unknown = any(name not in FIXED for name in rule.arguments) or rule.endpoint in NO_OBJECT
        yield _fill(rule, {}), PLACEHOLDER if unknown else None
        return
    kind = PARAMS[objects[0]]
    for side in ("in", "out"):
        key = f"{kind}:{side}"
        yield _fill(rule, {objects[0]: world[key]}), key


def _fill(rule, values):
    url = rule.rule
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__
        fixed = {**FIXED, **FIXED_BY_ENDPOINT.get(rule.endpoint, {})}
        value = values.get(name, fixed.get(name, "2147483000" if "Integer" in converter or "Id" in converter
                                             else "no-such-thing"))
        url = re.sub(rf"<(?:[^<>]*:)?{name}>", str(value), url)
    return url


@pytest.mark.parametrize("role", list(ROLES))
def test_no_read_or_write_crosses_a_boundary(web_app, world, tokens, role):
    world = {**world, **PROCESSES}
    username = ROLES[role]
    caller = Caller(web_app, username, tokens[username] if username else None)
    readable = READS.get(role, set())
    problems, checked = [], 0
    rules = sorted(web_app.url_map.iter_rules(), key=lambda r: ("POST" in r.methods, r.rule))
    for rule in rules:
        cls = classify(rule)
        admitted = role in ADMITS[cls]
        for method in sorted(rule.methods & {"GET", "POST"}):
            if rule.endpoint in ("auth.logout", "auth.login", "ops.readyz") or (
                    method == "POST" and rule.endpoint.startswith("portal.")):
                continue  # ends the caller's session / public forms / a 503 by design: their own tests
            for url, obj in _cases(rule, world):
                other = any(a not in FIXED and a not in PARAMS for a in rule.arguments)
                if cls == "designer" and obj in ("process:in", "process:out"):
                    # A designer edits every process, and may draft one that does not exist yet.
                    obj = None if obj == "process:in" and not other else PLACEHOLDER
                elif other and obj in readable:
                    # A readable object with a second parameter the world has no value for
                    # (a called element of an instance): a 404 for it is no refusal.
                    obj = PLACEHOLDER
                may_read = obj in (None, PLACEHOLDER) or obj in readable
                if method == "POST" and admitted and may_read:
                    continue  # an allowed write: the action tests cover it
                before = fingerprint(web_app) if method == "POST" else None
                response = caller.call(method, url)
                checked += 1
                if response.status_code >= 500:
                    problems.append(f"{method} {url}: {response.status_code}")
                elif not admitted or not may_read:
                    if not refused(response):
                        problems.append(f"{method} {url} ({rule.endpoint}, {obj}): not refused, "
                                        f"{response.status_code}")
                    elif before is not None and fingerprint(web_app) != before:
                        problems.append(f"{method} {url} ({rule.endpoint}, {obj}): refused but changed data")
                elif refused(response, missing_is_refusal=cls != "public" and obj != PLACEHOLDER):
                    # a public page may 404 an unknown code, any page an object that does not exist
                    problems.append(f"{method} {url} ({rule.endpoint}, {obj}): refused, "
                                    f"{response.status_code}")
    FIGURES["authorization matrix: route × role × object calls"] += checked
    assert not problems, f"{role}:\n" + "\n".join(problems)
