"""The admin console in Chromium: search, a saved search, the instance page with its
diagram, a suspension and a variable change with their reasons in the audit trail, the
ledger download opened with openpyxl, the dashboard's drill-down and the statistics charts."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.web.browser import DESKTOP, Staff, expect, screenshot_dir, serve


def test_admin_searches_suspends_and_downloads(web_app, page_cases, browser, tmp_path):
    from .test_statistics import add_facts
    with web_app.app_context():
        add_facts(page_cases)
    shots = screenshot_dir(tmp_path)
    with serve(web_app) as base:
        admin = Staff(browser, base, "admin", DESKTOP, shots)
        try:
            page = admin.page
            admin.goto("/admin/instances")
            expect(page.get_by_test_id("instance-row")).to_have_count(3)
            page.get_by_test_id("f-key").fill("BK-2")
            page.get_by_test_id("admin-search-submit").click()
            page.wait_for_url(re.compile(r"business_key=BK-2"))
            expect(page.get_by_test_id("instance-row")).to_have_count(1)
            admin.shot("admin-01-search")

            with page.expect_download() as info:
                page.get_by_test_id("export-xlsx").click()
            rows = list(load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))["台账"].values)
            assert rows[0][0] == "实例编号" and [r[3] for r in rows[1:]] == ["BK-2"]

            page.get_by_test_id("open-instance").click()
            page.wait_for_url(re.compile(r"/admin/instances/\d+$"))
            page.locator("#diagram.is-ready").wait_for()
            expect(page.locator('.gf-current[data-element-id="verify"]')).to_have_count(1)
            page.get_by_test_id("op-reason").fill("等待街道批示")
            page.get_by_test_id("op-suspend").click()
            page.locator('[data-testid="instance-status"]:has-text("已挂起")').wait_for()
            expect(page.get_by_test_id("audit")).to_contain_text("等待街道批示")
            admin.shot("admin-02-suspended")

            page.get_by_test_id("op-resume").wait_for()
            page.get_by_test_id("op-reason").fill("批示已到")
            page.get_by_test_id("op-resume").click()
            page.get_by_test_id("var-name").select_option("category")
            page.get_by_test_id("var-value").fill("sanitation")
            page.get_by_test_id("var-reason").fill("分类更正")
            page.get_by_test_id("op-edit-variable").click()
            page.locator('[data-kind="variable_changed"]').wait_for()
            expect(page.locator('[data-kind="variable_changed"]')).to_contain_text("分类更正")

            admin.goto("/admin/instances")
            page.get_by_test_id("f-org").select_option("grid_yg_1")
            page.get_by_test_id("admin-search-submit").click()
            page.wait_for_url(re.compile(r"org=grid_yg_1"))
            page.get_by_test_id("filter-name").fill("一网格")
            page.get_by_test_id("save-filter").click()
            page.get_by_test_id("saved-filter").wait_for()
            admin.goto("/admin/instances")
            page.get_by_test_id("apply-filter").click()
            page.wait_for_url(re.compile(r"org=grid_yg_1"))
            expect(page.get_by_test_id("instance-row")).to_have_count(2)

            admin.goto("/admin/dashboard")
            expect(page.get_by_test_id("light-row")).to_have_count(2)
            page.locator('[data-role="grid_worker"] a').last.click()
            page.wait_for_url(re.compile(r"role=grid_worker"))
            expect(page.get_by_test_id("instance-row")).to_have_count(3)
            admin.shot("admin-03-drill-down")

            admin.goto("/admin/statistics")
            page.locator('canvas[data-testid="chart-community"].is-ready').wait_for()
            assert int(page.get_by_test_id("chart-community").get_attribute("data-points")) == 6
            assert page.locator("canvas.is-ready").count() >= 4
            expect(page.get_by_test_id("stats-community")).to_contain_text("阳光社区")
            admin.shot("admin-04-statistics")
            with page.expect_download() as info:
                page.get_by_test_id("stats-xlsx").click()
            book = load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))
            assert ("阳光社区", 2, 50, 50, 50, 1, 15) in list(book["按社区"].values)
        finally:
            admin.close()
