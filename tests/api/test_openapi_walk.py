"""A generic client that knows only /api/v1's OpenAPI document walks each of the four
governance processes to its end.

It finds its operations in the document by what they take and answer (the operation
whose answer holds a ``start_form``, the one taking ``process_key`` and ``org_unit``,
the multipart upload answering an ``id`` …), never by URLs of its own; it fills every
form from the field descriptions alone (types, options, constraints, required), uploads
files for file fields, works each task as whichever demo user the task is offered to,
and, when nobody has anything to do, lets time pass to the instance's next timer
(``next_timer_at``) with the background worker, as production would.

What it may know besides the document: where the document is, the demo users' tokens,
and the process files to deploy (a designer's job).
"""
from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from govflow.demo import USERS

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
DOCUMENT = "/api/v1/openapi.json"
#: Steps a walk may take before it is called a loop; the longest process has ~30.
MAX_STEPS = 120
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


class Document:
    """The operations of the OpenAPI document, found by the shape of their bodies."""

    def __init__(self, doc: dict):
        self.doc = doc
        self.base = doc.get("servers", [{}])[0].get("url", "") if doc.get("servers") else ""
        self.ops = [(method.upper(), path, op) for path, item in doc["paths"].items()
                    for method, op in item.items() if method in ("get", "post", "put", "patch", "delete")]

    def schema(self, ref_or_schema: dict | None) -> dict:
        schema = ref_or_schema or {}
        while "$ref" in schema:
            schema = self.doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        if "allOf" in schema:
            merged: dict = {"properties": {}}
            for part in schema["allOf"]:
                merged["properties"].update(self.schema(part).get("properties", {}))
            return merged
        return schema

    def _answer(self, op: dict) -> dict:
        for status in ("200", "201"):
            content = op.get("responses", {}).get(status, {}).get("content", {})
            if "application/json" in content:
                schema = self.schema(content["application/json"].get("schema"))
                return self.schema(schema.get("items")) if schema.get("type") == "array" else schema
        return {}

    def _body(self, op: dict, media: str = "application/json") -> dict:
        return self.schema(op.get("requestBody", {}).get("content", {}).get(media, {}).get("schema"))

    def find(self, method: str, *, answers: set[str] = frozenset(), takes: set[str] = frozenset(),
             media: str = "application/json", params: int | None = None, query: set[str] = frozenset(),
             array: bool | None = None) -> str:
        """The one path of ``method`` whose answer has ``answers`` among its properties, whose
        body takes ``takes``, with ``params`` path parameters and ``query`` parameters."""
        found = []
        for m, path, op in self.ops:
            if m != method or (params is not None and path.count("{") != params):
                continue
            if answers and not answers <= set(self._answer(op).get("properties", {})):
                continue
            if takes and not takes <= set(self._body(op, media).get("properties", {})):
                continue
            names = {p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}
            if not query <= names:
                continue
            if array is not None:
                content = op.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
                if (self.schema(content.get("schema")).get("type") == "array") != array:
                    continue
            found.append(path)
        assert len(found) == 1, f"{method} answering {answers} taking {takes}: {found}"
        return found[0]

    def action(self, resource: str, verb: str) -> str:
        """A POST action under ``resource`` (``…/{id}/claim``) that the document lists."""
        paths = [p for m, p, _op in self.ops if m == "POST" and p == f"{resource}/{verb}"]
        assert paths, f"the document has no POST {resource}/{verb}"
        return paths[0]

    def enum(self, path: str, name: str) -> list[str]:
        op = next(op for m, p, op in self.ops if m == "GET" and p == path)
        param = next(p for p in op["parameters"] if p["name"] == name)
        return param.get("schema", {}).get("enum", [])


def fill(path: str, **values) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: str(values[m.group(0)[1:-1]]), path)


class Walker:
    def __init__(self, app, tokens: dict[str, str]):
        self.client, self.tokens, self.app = app.test_client(), tokens, app
        self.doc = Document(self.client.get(DOCUMENT).json)
        d = self.doc
        self.definition = d.find("GET", answers={"start_form", "key"}, params=1)
        self.start = d.find("POST", takes={"process_key", "org_unit", "variables"}, params=0)
        self.instance = d.find("GET", answers={"status", "tasks", "next_timer_at"}, params=1)
        self.tasks = d.find("GET", answers={"element_id", "instance_id"}, params=0, query={"instance_id", "filter"},
                            array=True)
        self.task = d.find("GET", answers={"element_id", "form"}, params=1)
        self.claim, self.complete = d.action(self.task, "claim"), d.action(self.task, "complete")
        self.complete_takes = set(d._body(next(op for m, p, op in d.ops if p == self.complete and m == "POST"))
                                  .get("properties", {}))
        self.upload = d.find("POST", answers={"id", "filename"}, takes={"file"}, media="multipart/form-data",
                             params=0)
        self.deploy = d.find("POST", answers={"process_keys", "versions"}, takes={"file"},
                             media="multipart/form-data", params=0)
        self.org_units = d.find("GET", answers={"code", "kind"}, params=0, array=True)
        #: The list of every open task offered to the caller, by its name in the filter's enum.
        self.every = next(name for name in d.enum(self.tasks, "filter") if name == "all")
        self.visits: dict[tuple[str, str], int] = {}
        self.clock = datetime.now(UTC)
        self.log: list[str] = []

    # -- HTTP -------------------------------------------------------------------------
    def call(self, user: str, method: str, path: str, body=None, files=None):
        headers = {"Authorization": f"Bearer {self.tokens[user]}"}
        if files is not None:
            return self.client.open(path, method=method, headers=headers, data=files,
                                    content_type="multipart/form-data")
        return self.client.open(path, method=method, headers=headers, json=body)

    # -- values from field descriptions -----------------------------------------------
    def value(self, user: str, field: dict, turn: int):
        kind, limits = field.get("type", "string"), field.get("constraints") or {}
        options = [o["id"] for o in field.get("options") or []]
        if field.get("widget") in ("select", "multiselect") and not options:
            return None  # nothing to choose from (an optional picker with no fitting unit)
        if options:
            chosen = options[turn % len(options)]
            return [chosen] if kind in ("multiselect", "checklist", "list", "taglist") else chosen
        if kind in ("file", "files", "photos", "attachments", "upload") or field.get("widget") in ("file", "files"):
            answer = self.call(user, "POST", self.upload, files={"file": (io.BytesIO(PNG), "photo.png")})
            assert answer.status_code == 201, answer.json
            return [answer.json["id"]] if kind != "file" else answer.json["id"]
        if kind == "boolean":
            return turn % 2 == 0
        if kind in ("long", "integer", "number", "double"):
            low, high = limits.get("min"), limits.get("max")
            # the largest allowed first (quorums, shares), then the small ones a cross-field
            # rule may ask for ("at most as many as …")
            tries = [high if high is not None else max(low if low is not None else 0, 1), 0, 1, 2, 3, 5, 10, 100]
            tries = [n for n in tries if n is not None and (low is None or n >= low) and (high is None or n <= high)]
            number = tries[turn % len(tries)]
            return int(number) if kind in ("long", "integer") else float(number)
        if kind in ("date", "datetime"):
            day = self.clock.date()
            if limits.get("min"):
                day = max(day, datetime.fromisoformat(str(limits["min"])).date())
            if limits.get("max"):
                day = min(day, datetime.fromisoformat(str(limits["max"])).date())
            return day.isoformat() if kind == "date" else f"{day.isoformat()}T09:00:00+08:00"
        if field.get("columns"):
            return [{c["id"]: self.value(user, c, turn) for c in field.get("columns") or []}]
        if kind == "list":  # names one per line: as many as asked, the first the text used elsewhere
            low, high = int(limits.get("minlength") or 1), int(limits.get("maxlength") or 50)
            sizes = [n for n in (low, 3, 5, 11, 21, high) if low <= n <= high]  # odd: groups vote
            first = self.text(field, {})
            return [first] + [f"{first}{n}" for n in range(2, sizes[turn % len(sizes)] + 1)]
        return self.text(field, limits)

    @staticmethod
    def text(field: dict, limits: dict) -> str:
        candidates = ["自动填写的说明文字", "13800138000", "A1", "2026", "ok@example.com"]
        pattern = limits.get("pattern")
        for text in candidates:
            if pattern is None or re.fullmatch(pattern, text):
                break
        else:
            raise AssertionError(f"no value matches the pattern of {field['id']}: {pattern}")
        text = text * max(1, -(-int(limits.get("minlength") or 0) // len(text)))
        return text[: int(limits["maxlength"])] if limits.get("maxlength") else text

    def form_values(self, user: str, fields: list[dict], element: str, forced: dict) -> dict:
        out = {}
        for field in fields:
            if field.get("readonly") or field.get("type") in ("text", "separator", "spacer"):
                continue
            if not field.get("required") and field["id"] not in forced:
                continue  # optional: left out until a refusal names it ("required when …")
            key = (element, field["id"])
            value = self.value(user, field, self.visits.get(key, 0) + forced.get(field["id"], 0))
            if value is not None:
                out[field["id"]] = value
        return out

    def submit(self, user: str, path: str, fields: list[dict], element: str, make_body,
               give_up: str | None = None) -> dict | None:
        """Post the filled form; on 422 turn the fields it names to their next choice and retry.
        None when the 422 names ``give_up`` (a parameter beside the form that values cannot mend)."""
        forced: dict[str, int] = {}
        for _attempt in range(8):
            values = self.form_values(user, fields, element, forced)
            answer = self.call(user, "POST", path, make_body(values))
            if answer.status_code in (200, 201):
                for field in fields:
                    self.visits[(element, field["id"])] = self.visits.get((element, field["id"]), 0) + 1
                return answer.json
            assert answer.status_code == 422, (element, answer.status_code, answer.json)
            errors = answer.json.get("errors") or {}
            self.log.append(f"{element}: 422 {errors}")
            if isinstance(errors.get("json"), dict):
                errors = errors["json"]
            errors = errors.get("variables", errors) if isinstance(errors.get("variables"), dict) else errors
            if give_up in errors:
                return None
            named = [name for name in errors if any(f["id"] == name for f in fields)]
            assert named, f"{element}: refused without naming a form field: {answer.json}"
            for name in named:
                forced[name] = forced.get(name, -1) + 1
        raise AssertionError(f"{element}: no acceptable values found: {self.log[:2] + self.log[-3:]}")

    # -- the walk -----------------------------------------------------------------------
    def deploy_processes(self, designer: str) -> None:
        files = [(io.BytesIO(p.read_bytes()), p.name) for p in sorted(PROCESSES.glob("*.bpmn"))
                 + sorted(PROCESSES.glob("*.dmn"))]
        answer = self.call(designer, "POST", self.deploy, files={"file": files, "name": "治理流程"})
        assert answer.status_code == 201, answer.json

    def start_instance(self, key: str) -> int:
        """As the first demo user who may read the start form, in the first org unit
        the platform accepts (the deepest units first: cases start where they happen)."""
        for user in self.tokens:
            detail = self.call(user, "GET", fill(self.definition, key=key))
            if detail.status_code != 200:
                continue
            units = self.call(user, "GET", self.org_units).json
            depth = {"grid": 0, "community": 1, "unit": 2, "department": 3, "street": 4, "district": 5}
            kinds = set(detail.json.get("org_unit_kinds") or [])
            for unit in sorted(units, key=lambda u: depth.get(u["kind"], 9)):
                if kinds and unit["kind"] not in kinds:
                    continue
                fields = detail.json["start_form"]["fields"]
                made = self.submit(user, self.start, fields, "start", lambda v, code=unit["code"]: {
                    "process_key": key, "org_unit": code, "variables": v}, give_up="org_unit")
                if made is None:
                    continue  # not a unit of this user's
                self.log.append(f"start {key} as {user} in {unit['code']}")
                return made["id"]
        raise AssertionError(f"nobody may start {key}")

    def work_one(self, instance_id: int) -> bool:
        """Complete one open task of the instance as a user it is offered to."""
        for user in self.tokens:
            listed = self.call(user, "GET", self.tasks + f"?instance_id={instance_id}&filter={self.every}")
            assert listed.status_code == 200, listed.json
            for row in listed.json:
                detail = self.call(user, "GET", fill(self.task, task_id=row["id"])).json
                claimed = self.call(user, "POST", fill(self.claim, task_id=row["id"]))
                if claimed.status_code != 200:
                    continue  # held by someone else, or a step this user may only read
                body = (lambda v: {"variables": v, "comment": "同意"}) if "comment" in self.complete_takes \
                    else (lambda v: {"variables": v})
                self.submit(user, fill(self.complete, task_id=row["id"]), detail["form"]["fields"],
                            row["element_id"], body)
                self.log.append(f"{row['element_id']} by {user}")
                return True
        return False

    def let_time_pass(self, instance: dict) -> None:
        due = instance.get("next_timer_at")
        assert due, f"instance {instance['id']} is stuck at {instance.get('current_steps')}: {self.log[-5:]}"
        self.clock = max(self.clock, datetime.fromisoformat(due)) + timedelta(seconds=1)
        result = self.app.test_cli_runner().invoke(args=["worker", "--once", "--now", self.clock.isoformat()])
        assert result.exit_code == 0, result.output
        self.log.append(f"time passes to {self.clock.isoformat()}")

    def walk(self, key: str, admin: str) -> list[str]:
        instance_id = self.start_instance(key)
        for _step in range(MAX_STEPS):
            instance = self.call(admin, "GET", fill(self.instance, instance_id=instance_id)).json
            assert not instance["incidents"], (instance["incidents"], self.log[-5:])
            if instance["status"] == "completed":
                return self.log
            if not self.work_one(instance_id):
                self.let_time_pass(instance)
        raise AssertionError(f"{key} did not end in {MAX_STEPS} steps: {self.log[-10:]}")


@pytest.fixture
def walker(app, org):
    from govflow.database import commit, writing
    from govflow.identity.service import get_user, issue_token
    with writing():
        tokens = {name: issue_token(get_user(name)) for name, _display, _grants in USERS}
        commit()
    w = Walker(app, tokens)
    w.deploy_processes("designer")
    return w


@pytest.mark.parametrize("key", ["case_handling", "owners_committee_formation", "weak_branch_rectification",
                                 "dual_reporting"])
def test_a_generic_client_walks_the_process_to_its_end(walker, key):
    log = walker.walk(key, "admin")
    assert any(line.startswith("start") for line in log) and any(" by " in line for line in log), log
