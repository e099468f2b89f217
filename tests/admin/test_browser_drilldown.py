"""The instance page in Chromium: the rounds badge on a step sent back twice, and a click
on the call activity that opens the called process with its own current step marked."""
from __future__ import annotations

import re

from tests.web.browser import DESKTOP, Staff, expect, screenshot_dir, serve

from .test_instance_drilldown import deploy_review, review_sent_back_twice


def test_rounds_badge_and_click_through_to_the_called_process(web_app, browser, tmp_path):
    with web_app.app_context():
        deploy_review()
        instance_id = review_sent_back_twice()
    shots = screenshot_dir(tmp_path)
    with serve(web_app) as base:
        admin = Staff(browser, base, "admin", DESKTOP, shots)
        try:
            page = admin.page
            admin.goto(f"/admin/instances/{instance_id}")
            page.locator("#diagram.is-ready").wait_for()
            expect(page.get_by_test_id("rounds-check")).to_have_text("×3")
            expect(page.locator('.gf-done[data-element-id="check"]')).to_have_count(1)
            expect(page.locator('.gf-current.gf-call[data-element-id="talk"]')).to_have_count(1)
            admin.shot("admin-05-rounds")

            page.locator('.djs-element[data-element-id="talk"]').click()
            page.wait_for_url(re.compile(rf"/admin/instances/{instance_id}/called/talk$"))
            page.locator("#diagram.is-ready").wait_for()
            expect(page.locator('.gf-current[data-element-id="talk_over"]')).to_have_count(1)
            expect(page.get_by_test_id("called-steps")).to_contain_text("组织议事")
            admin.shot("admin-06-called-process")

            page.get_by_test_id("back-to-instance").click()
            page.wait_for_url(re.compile(rf"/admin/instances/{instance_id}$"))
            page.get_by_test_id("called-talk").click()                   # the list leads there too
            page.wait_for_url(re.compile(r"/called/talk$"))
        finally:
            admin.close()
