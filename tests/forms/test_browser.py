"""In Chromium: a designer builds a Camunda Form in form-js and deploys it; a grid
worker completes a task of it on a 375 px phone screen, the page hiding and
showing the field its condition governs."""
from __future__ import annotations

import json
import re

from tests.web.browser import DESKTOP, PHONE, Staff, serve
from tests.web.conftest import page_as, web_app  # noqa: F401  (fixtures)

from .test_camunda_forms import FIXTURES

# The diagram names the form by id, latest version: the form is deployed on its own first.
BPMN = (FIXTURES / "inspection.bpmn").read_text(encoding="utf-8") \
    .replace('camunda:formRefBinding="deployment"', 'camunda:formRefBinding="latest"') \
    .replace('camunda:formKey="camunda-forms:deployment:inspection.form"', 'camunda:formRef="inspection_form"')


def test_designer_builds_a_form_and_a_grid_worker_completes_it(web_app, browser, tmp_path):
    from sqlalchemy import select

    from govflow.database import commit, writing
    from govflow.definitions.service import deploy
    from govflow.extensions import db
    from govflow.instances.service import start_instance
    from govflow.worklist.models import HumanTask
    with serve(web_app) as base:
        designer = Staff(browser, base, "designer", DESKTOP, str(tmp_path))
        try:
            page = designer.page
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            designer.goto("/designer")
            page.get_by_test_id("new-form-key").fill("inspection_form")
            page.get_by_test_id("new-form").click()
            page.wait_for_url(re.compile(r"/designer/forms/inspection_form$"))
            page.locator("#designer-canvas.is-ready").wait_for()
            page.locator(".fjs-editor-container").first.wait_for()
            # What the designer composes by dragging from the palette, given to the editor at once.
            schema = json.loads((FIXTURES / "inspection.form").read_text(encoding="utf-8"))
            page.evaluate("schema => window.govflowFormEditor.importSchema(schema)", schema)
            page.locator(".fjs-editor-container").get_by_text("联系电话").first.wait_for()
            page.get_by_test_id("designer-deploy").click()
            page.locator("#designer-message.ok").wait_for()
            assert errors == [], errors
        finally:
            designer.close()
        with web_app.app_context(), writing():
            deploy({"inspection.bpmn": BPMN.encode("utf-8")})
            instance = start_instance("inspection", "grid_yg_1", {"title": "楼道堆物"})
            task_id = db.session.scalar(select(HumanTask.id).where(HumanTask.instance_id == instance.id))
            commit()
        worker = Staff(browser, base, "grid1", PHONE, str(tmp_path))
        try:
            page = worker.page
            worker.goto(f"/tasks/{task_id}")
            reason = page.locator('[data-field="reason"]')
            assert reason.is_hidden()
            page.locator("#f-phone").fill("13812345678")
            page.locator("#f-severity").select_option("high")
            page.locator("#f-escalate").check()
            reason.wait_for(state="visible")
            page.locator("#f-reason").fill("需要街道协调处理")
            assert worker.fits_the_screen()
            worker.shot("camunda-form-phone")
            page.get_by_test_id("complete").click()
            page.wait_for_url(re.compile(r"/tasks$"))
        finally:
            worker.close()
