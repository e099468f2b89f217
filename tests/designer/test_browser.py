"""The designer in Chromium, the issue's walk: open a process, change a task's candidate
group and due date in the properties panel, save, see the unknown role refused, fix it,
deploy, and find v2 in the catalogue with the old instance still on v1."""
from __future__ import annotations

import re

from tests.web.browser import DESKTOP, Staff, expect, screenshot_dir, serve

from .test_designer import START


def _old_instance(app):
    from govflow.database import commit, writing
    from govflow.instances.service import start_instance
    with app.app_context(), writing():
        instance_id = start_instance("web_case", "grid_yg_1", START, business_key="OLD-1").id
        commit()
    return instance_id


def _open_group(page, label):
    header = page.locator(".bio-properties-panel-group-header", has_text=label).first
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


def _set(page, field, value):
    box = page.locator(f"#bio-properties-panel-{field}")
    box.fill(value)
    box.press("Tab")


def test_designer_edits_validates_and_deploys(web_app, browser, tmp_path):
    _old_instance(web_app)
    shots = screenshot_dir(tmp_path)
    with serve(web_app) as base:
        designer = Staff(browser, base, "designer", DESKTOP, shots)
        try:
            page = designer.page
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            designer.goto("/designer")
            process = page.locator('[data-testid="process"][data-key="web_case"]')
            expect(process.locator('[data-testid="version-row"]')).to_have_count(1)
            process.get_by_test_id("open-modeler").click()
            page.wait_for_url(re.compile(r"/designer/web_case$"))
            page.locator("#designer-canvas.is-ready").wait_for()

            page.locator('.djs-element[data-element-id="verify"]').click()
            expect(page.get_by_test_id("form-preview")).to_be_visible()  # a user task: its form can be previewed
            _open_group(page, "人员分配")   # the properties panel speaks Chinese too
            _set(page, "candidateGroups", "night_watch")
            assert page.locator("#bio-properties-panel-candidateGroups").get_attribute("list") == "gf-roles"
            _set(page, "dueDate", "P3D")
            designer.shot("designer-01-panel")

            page.get_by_test_id("designer-save").click()
            problem = page.locator('#designer-problems li[data-code="unknown-role"]')
            problem.wait_for()
            expect(problem).to_contain_text("night_watch")
            expect(problem).to_contain_text("camunda:candidateGroups 中有平台没有的角色")   # what the code means, in Chinese
            expect(page.locator('.djs-element.gf-error[data-element-id="verify"]')).to_have_count(1)
            page.get_by_test_id("designer-deploy").click()
            page.locator("#designer-message.error").wait_for()
            designer.shot("designer-02-unknown-role")

            page.locator('.djs-element[data-element-id="review"]').click()
            page.locator('.djs-element[data-element-id="verify"]').click()
            _set(page, "candidateGroups", "community_staff")
            page.get_by_test_id("designer-validate").click()
            page.locator("#designer-message.ok").wait_for()
            expect(page.locator(".gf-error")).to_have_count(0)
            page.get_by_test_id("designer-deploy").click()
            page.locator('#designer-message.ok:has-text("2")').wait_for()
            designer.shot("designer-03-deployed")

            page.get_by_test_id("back-to-catalogue").click()
            page.wait_for_url(re.compile(r"/designer$"))
            rows = page.locator('[data-testid="process"][data-key="web_case"] [data-testid="version-row"]')
            expect(rows).to_have_count(2)
            v2, v1 = rows.nth(0), rows.nth(1)
            assert v2.get_attribute("data-version") == "2" and v1.get_attribute("data-version") == "1"
            expect(v2.get_by_test_id("instance-count")).to_have_text("0")
            expect(v1.get_by_test_id("instance-count")).to_have_text("1")
            designer.shot("designer-04-catalogue")
            with page.expect_download() as info:
                v2.get_by_test_id("download").click()
            text = open(info.value.path(), encoding="utf-8").read()
            assert 'camunda:candidateGroups="community_staff"' in text and 'camunda:dueDate="P3D"' in text
            assert errors == []
        finally:
            designer.close()
