"""The admin console in Chromium: search, the instance page with its diagram,
a suspension with its reason in the audit trail, and the ledger download."""
from __future__ import annotations

import io
import os
import re

import pytest
from openpyxl import load_workbook

from tests.web.browser import ARGS, CHROMIUM, DESKTOP, Staff, require_browser, serve


@pytest.fixture
def browser():
    sync_api = require_browser()
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


def test_admin_searches_suspends_and_downloads(web_app, page_cases, browser, tmp_path):
    shots = os.environ.get("GOVFLOW_SCREENSHOTS") or str(tmp_path)
    os.makedirs(shots, exist_ok=True)
    with serve(web_app) as base:
        admin = Staff(browser, base, "admin", DESKTOP, shots)
        try:
            page = admin.page
            admin.goto("/admin/instances")
            assert page.get_by_test_id("instance-row").count() == 3
            page.get_by_test_id("f-key").fill("BK-2")
            page.get_by_test_id("admin-search-submit").click()
            page.wait_for_url(re.compile(r"business_key=BK-2"))
            assert page.get_by_test_id("instance-row").count() == 1
            admin.shot("admin-01-search")

            with page.expect_download() as info:
                page.get_by_test_id("export-xlsx").click()
            rows = list(load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))["台账"].values)
            assert rows[0][0] == "实例编号" and [r[3] for r in rows[1:]] == ["BK-2"]

            page.get_by_test_id("open-instance").click()
            page.wait_for_url(re.compile(r"/admin/instances/\d+$"))
            page.locator("#diagram.is-ready").wait_for()
            assert page.locator('.gf-current[data-element-id="verify"]').count() == 1
            page.get_by_test_id("op-reason").fill("等待街道批示")
            page.get_by_test_id("op-suspend").click()
            page.locator('[data-testid="instance-status"]:has-text("已挂起")').wait_for()
            assert "等待街道批示" in page.get_by_test_id("audit").inner_text()
            admin.shot("admin-02-suspended")
        finally:
            admin.close()
