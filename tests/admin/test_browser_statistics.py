"""The statistics charts in Chromium: counts have whole-number ticks."""
from __future__ import annotations

from tests.processes.test_dual_steps import DUAL_FILES
from tests.processes.test_owners_branch_dual_support import deploy_processes, start, t0
from tests.web.browser import DESKTOP, Staff, screenshot_dir, serve


def test_instance_counts_are_charted_in_whole_numbers(web_app, browser, tmp_path):
    with web_app.app_context():
        deploy_processes(*DUAL_FILES)
        start("dual_reporting", "comm_yangguang", t0(), member_username="member")
    with serve(web_app) as base:
        admin = Staff(browser, base, "admin", DESKTOP, screenshot_dir(tmp_path))
        try:
            admin.goto("/admin/statistics")
            chart = admin.page.locator('canvas[data-testid="chart-stages"].is-ready')
            chart.wait_for()
            ticks = [float(v) for v in chart.get_attribute("data-ticks").split(",")]
            assert len(ticks) >= 2 and all(v == int(v) for v in ticks), ticks
            admin.shot("admin-statistics-stages")
        finally:
            admin.close()
