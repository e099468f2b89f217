"""Parity of the two doors: every state-changing page action has its REST twin, and
for every role × inside/outside jurisdiction × action the page and the API answer
alike (allowed or refused) and leave the same state.

The list of page actions is read from the URL map, so a page action added later
fails ``test_every_page_action_has_a_rest_twin`` by name until it gets a twin or a
reason to have none. The behaviour is compared on twin worlds: for each role and
action, two cases in 阳光社区 (inside for its staff) and two in 幸福社区 (outside),
all waiting at the comment-required 社区研判 step; the page acts on one of each
pair, the API on the other, and the two cases' states are compared afterwards.
"""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from tests.web.conftest import PASSWORD, csrf_of

from .conftest import FIGURES, PNG

#: Page action → its REST twin (endpoint names of the URL map).
TWINS = {
    "worklist.complete": "tasks.complete", "task_actions.claim": "tasks.claim",
    "task_actions.unclaim": "tasks.unclaim", "task_actions.transfer": "tasks.transfer",
    "task_actions.delegate": "tasks.delegate", "task_actions.resolve": "tasks.resolve",
    "task_actions.return_": "tasks.return_", "task_actions.copy": "tasks.copy",
    "task_actions.urge": "tasks.urge", "task_actions.attach": "tasks.attach",
    "task_actions.cosign": "tasks.cosign", "task_actions.sign": "tasks.sign",
    "task_actions.withdraw": "tasks.withdraw",
    # One page form, two buttons: its claim and approve are tasks.claim_many and tasks.approve_many.
    "task_actions.batch": "tasks.claim_many",
    "start.start_form": "process-instances.create_instance",
    "admin.instance_operation": "admin-console.instance_operation",
    "admin.instance_migrate": "admin-console.migrate",
    "admin.filter_save": "admin-console.filter_create", "admin.filter_delete": "admin-console.filter_remove",
    "organisation.unit_create": "org-units.create_org_unit", "organisation.unit_action": "org-units.update_org_unit",
    "organisation.user_create": "org-units.create_user", "organisation.user_action": "org-units.update_user",
    "organisation.import_preview": "org-units.import_spreadsheet",
    "organisation.import_commit": "org-units.import_spreadsheet",
    "robot_pages.robot_form": "robots.add_robot", "robot_pages.robot_enabled": "robots.update_robot",
    "robot_pages.robot_test": "robots.test_robot", "robot_pages.outbox_retry": "robots.retry",
    "designer.deploy": "definitions.create_deployment", "designer.upload": "definitions.create_deployment",
    "designer.deploy_decision": "definitions.create_deployment",
    "designer.validate": "definitions.validate_deployment",
    "designer.validate_decision": "definitions.validate_deployment",
    "designer.deploy_form": "definitions.create_deployment", "designer.validate_form": "definitions.validate_deployment",
}
#: Page actions with no REST twin, and why.
PAGE_ONLY = {
    "auth.login": "a browser session; the API signs in with a token",
    "auth.logout": "a browser session",
    "account.password": "one's own password in a browser session; administrators reset over REST",
    "notifications.open_notification": "the reader's own bell, no case state",
    "notifications.read_all": "the reader's own bell, no case state",
    "portal.report": "residents, without an account; integrators start case_handling over REST",
    "portal.rate": "residents by tracking code; integrators send the case_rated message",
    "designer.save": "a designer's draft in the browser modeler, not yet a deployment",
    "designer.discard": "a designer's draft", "designer.new_process": "a designer's draft",
    "designer.save_decision": "a designer's draft", "designer.discard_decision": "a designer's draft",
    "designer.new_form": "a designer's draft", "designer.save_form": "a designer's draft",
    "designer.discard_form": "a designer's draft",
    "designer.trial": "a trial instance of a draft version, from the modeler",
}

ROLES = {"grid_worker": "grid1", "community_staff": "cstaff", "community_secretary": "secretary",
         "street_officer": "street", "department_handler": "urban", "supervisor": "supervisor",
         "designer": "designer", "admin": "admin"}
#: action → (page form, REST body); the task acted on is the case's 社区研判 step.
ACTIONS = {
    "claim": ({}, {}),
    "unclaim": ({}, {}),
    "complete": ({"decision": "close", "comment": "同意办结"}, {"variables": {"decision": "close"},
                                                             "comment": "同意办结"}),
    "complete_without_comment": ({"decision": "close"}, {"variables": {"decision": "close"}}),
    "transfer": ({"user": "street", "comment": "请街道处理"}, {"user": "street", "comment": "请街道处理"}),
    "delegate": ({"user": "cstaff"}, {"user": "cstaff"}),
    "resolve": ({"comment": "已处理"}, {"comment": "已处理"}),
    "return": ({"step": "verify", "comment": "请补充核实"}, {"step": "verify", "comment": "请补充核实"}),
    "copy": ({"users": "street"}, {"users": ["street"]}),
    "urge": ({"comment": "请尽快"}, {"comment": "请尽快"}),
    "attachments": ("file", "file"),
}
PAGE_URL = {"complete_without_comment": "complete"}


def test_every_page_action_has_a_rest_twin(web_app):
    endpoints = {r.endpoint for r in web_app.url_map.iter_rules()}
    for page, api in TWINS.items():
        assert page in endpoints and api in endpoints, (page, api)
    for rule in web_app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/engine-rest/")) or not (rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            continue
        assert rule.endpoint in TWINS or rule.endpoint in PAGE_ONLY, \
            f"page action {rule.endpoint} ({rule.rule}) has no REST twin and no reason to have none"


def _case(app, grid: str) -> tuple[int, int]:
    """A web_case of ``grid`` waiting at 社区研判 (review); (instance id, review task id)."""
    from govflow.database import commit, writing
    from govflow.identity.access import principal_for
    from govflow.identity.service import get_user
    from govflow.worklist.inbox import first_open_task
    from govflow.worklist.service import complete_task
    from govflow.worklist.starting import start_process
    with app.app_context(), writing():
        grid_worker = principal_for(get_user({"grid_yg_1": "grid1", "grid_xf_1": "grid3"}[grid]))
        secretary = principal_for(get_user({"grid_yg_1": "secretary", "grid_xf_1": "secretary2"}[grid]))
        instance = start_process(grid_worker, "web_case", grid, {"title": "路灯", "category": "road",
                                                                 "description": "不亮"})
        complete_task(first_open_task(grid_worker, instance.id).id, grid_worker, {"approved": True, "note": "属实"})
        review = first_open_task(secretary, instance.id)
        commit()
        return instance.id, review.id


def _state(app, instance_id: int) -> dict:
    """The case as a user would see it: its steps, their holders, the audit trail's
    kinds, copies and files — without ids and times, which differ between twins."""
    from govflow.attachments.models import Upload
    from govflow.extensions import db
    from govflow.identity.models import User
    from govflow.instances.models import InstanceEvent, ProcessInstance
    from govflow.worklist.action_models import TaskCopy
    from govflow.worklist.models import HumanTask
    names = lambda: dict(db.session.execute(select(User.id, User.username)).all())  # noqa: E731
    with app.app_context():
        users = names()
        instance = db.session.get(ProcessInstance, instance_id)
        tasks = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)
                                   .order_by(HumanTask.id)).all()
        state = {
            "status": instance.status, "variables": instance.variables,
            "tasks": [(t.element_id, t.status, users.get(t.assignee_id), t.delegation_state) for t in tasks],
            "events": [(e.kind, users.get(e.actor_id), e.comment) for e in db.session.scalars(
                select(InstanceEvent).where(InstanceEvent.instance_id == instance_id).order_by(InstanceEvent.id))],
            "copies": sorted(users[c.user_id] for c in db.session.scalars(
                select(TaskCopy).where(TaskCopy.instance_id == instance_id))),
            "files": db.session.scalar(select(db.func.count(Upload.id)).where(Upload.instance_id == instance_id)),
        }
        db.session.remove()
    return state


class Doors:
    """One user's page session and API token."""

    def __init__(self, app, username: str, token: str):
        self.page = app.test_client()
        self.api = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}
        login = self.page.get("/login")
        assert self.page.post("/login", data={"username": username, "password": PASSWORD,
                                              "csrf_token": csrf_of(login.text)}).status_code == 302
        self.csrf = csrf_of(self.page.get("/notifications").text)

    def by_page(self, task_id: int, action: str) -> bool:
        form, _body = ACTIONS[action]
        data = {"csrf_token": self.csrf}
        data.update({"file": (io.BytesIO(PNG), "photo.png")} if form == "file" else form)
        response = self.page.post(f"/tasks/{task_id}/{PAGE_URL.get(action, action)}", data=data)
        with self.page.session_transaction() as session:
            flashes = session.pop("_flashes", [])
        if response.status_code in (403, 404) or response.status_code == 200:  # 200: the form again, with errors
            return False
        assert response.status_code in (302, 303), (action, response.status_code)
        return not any(category == "error" for category, _ in flashes)

    def by_api(self, task_id: int, action: str) -> bool:
        _form, body = ACTIONS[action]
        url = f"/api/v1/tasks/{task_id}/{PAGE_URL.get(action, action)}"
        if body == "file":
            response = self.api.post(url, headers=self.headers, data={"file": (io.BytesIO(PNG), "photo.png")})
        else:
            response = self.api.post(url, headers=self.headers, json=body)
        assert response.status_code < 500, (action, response.status_code, response.get_data(as_text=True))
        return response.status_code < 300


def _prepare(app, task_id: int, action: str) -> None:
    """Actions that need a state first: unclaim a claimed task, resolve a delegated one."""
    from govflow.database import commit, writing
    from govflow.identity.access import principal_for
    from govflow.identity.service import get_user
    from govflow.worklist.actions import delegate_task
    from govflow.worklist.service import claim_task
    if action not in ("unclaim", "resolve"):
        return
    with app.app_context(), writing():
        owner = principal_for(get_user("admin"))
        claim_task(task_id, owner)
        if action == "resolve":
            delegate_task(task_id, owner, "street")
        commit()


@pytest.mark.parametrize("role", list(ROLES))
def test_page_and_api_answer_alike_and_leave_the_same_state(web_app, tokens, role):
    username = ROLES[role]
    doors = Doors(web_app, username, tokens[username])
    problems, cells = [], 0
    for action in ACTIONS:
        for side, grid in (("inside", "grid_yg_1"), ("outside", "grid_xf_1")):
            (page_case, page_task), (api_case, api_task) = _case(web_app, grid), _case(web_app, grid)
            _prepare(web_app, page_task, action)
            _prepare(web_app, api_task, action)
            page_allowed, api_allowed = doors.by_page(page_task, action), doors.by_api(api_task, action)
            cells += 1
            if page_allowed != api_allowed:
                problems.append(f"{action} {side}: page {'allowed' if page_allowed else 'refused'}, "
                                f"API {'allowed' if api_allowed else 'refused'}")
            elif _state(web_app, page_case) != _state(web_app, api_case):
                problems.append(f"{action} {side}: the two doors left different states")
    FIGURES["parity: role × side × action cells compared"] += cells
    assert not problems, f"{role} ({username}):\n" + "\n".join(problems)
