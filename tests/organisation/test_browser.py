"""Organisation administration in Chromium: an import with one bad row, its report, the result."""
from __future__ import annotations

import re

from tests.web.browser import DESKTOP, Staff, expect, screenshot_dir, serve

from .conftest import xlsx_file


def test_admin_imports_org_units_and_users_with_one_bad_row(web_app, browser, tmp_path):
    shots = screenshot_dir(tmp_path)
    upload = tmp_path / "组织导入.xlsx"
    upload.write_bytes(xlsx_file(
        units=[["grid_yg_7", "阳光社区第七网格", "comm_yangguang", "网格"],
               ["grid_bad", "坏网格", "no_such_unit", "网格"]],
        users=[["grid7", "网格员 钱七", "13800000007", "grid_worker@grid_yg_7", "grid7-password"]]))
    with serve(web_app) as base:
        admin = Staff(browser, base, "admin", DESKTOP, shots)
        try:
            page = admin.page
            admin.goto("/admin/org")
            page.locator('[data-testid="org-unit"][data-code="grid_yg_1"]').wait_for()
            expect(page.get_by_test_id("org-tree")).to_contain_text("阳光社区第一网格")
            admin.shot("org-01-tree")

            page.get_by_test_id("org-tab-import").click()
            page.get_by_test_id("import-file").set_input_files(str(upload))
            page.get_by_test_id("import-check").click()
            rejected = page.get_by_test_id("rejected-row")
            rejected.first.wait_for()
            expect(rejected).to_have_count(1)
            expect(rejected.first).to_contain_text("上级单位编码")
            expect(rejected.first).to_contain_text("no_such_unit")
            admin.shot("org-02-preview")

            page.get_by_test_id("import-confirm").click()
            page.get_by_test_id("import-done").wait_for()
            with page.expect_download() as info:
                page.get_by_test_id("report-xlsx").click()
            assert info.value.suggested_filename.endswith(".xlsx")

            page.get_by_test_id("org-tab-tree").click()
            page.locator('[data-testid="org-unit"][data-code="grid_yg_7"]').wait_for()
            expect(page.locator('[data-testid="org-unit"][data-code="grid_bad"]')).to_have_count(0)
            page.get_by_test_id("org-tab-users").click()
            page.get_by_test_id("user-search").fill("grid7")
            page.get_by_test_id("user-search-submit").click()
            page.wait_for_url(re.compile(r"q=grid7"))
            row = page.locator('[data-testid="user-row"][data-username="grid7"]')
            expect(row).to_contain_text("网格员 · 阳光社区第七网格")  # role and unit by name
            admin.shot("org-03-users")
        finally:
            admin.close()
