"""The strict Content-Security-Policy in a real browser: the pages that run scripts
work, and Chromium reports no violation (console or securitypolicyviolation)."""
from __future__ import annotations

import re

from tests.web.browser import DESKTOP, PHONE, Staff, serve

#: Recorded before any page script runs; init scripts are not subject to the page's CSP.
WATCH = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"""


def _watch(context, console):
    context.add_init_script(WATCH)
    context.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    context.on("weberror", lambda e: console.append(str(e.error)))


def _violations(page, console):
    return page.evaluate("window.__csp") + [m for m in console if "Content Security Policy" in m]


def test_task_and_admin_diagrams_render_under_the_policy(web_app, browser, tmp_path):
    console: list = []
    with serve(web_app) as base:
        grid1 = Staff(browser, base, "grid1", DESKTOP, None)
        _watch(grid1.context, console)
        page = grid1.page
        grid1.goto("/start/web_case")
        page.get_by_label("问题概要").fill("路灯不亮")
        page.get_by_label("问题类别").select_option("road")
        page.get_by_label("问题描述").fill("晚上不亮")
        page.get_by_test_id("start").click()
        page.wait_for_url(re.compile(r"/tasks/\d+$"))
        page.reload()  # the init script now runs before the page's own scripts
        page.locator("#diagram.is-ready svg").first.wait_for()
        assert page.locator("#diagram .djs-element").count() > 3
        assert _violations(page, console) == []
        task_id = int(page.url.rsplit("/", 1)[1])
        grid1.close()

        admin = Staff(browser, base, "admin", DESKTOP, None)
        _watch(admin.context, console)
        from govflow.extensions import db
        from govflow.worklist.models import HumanTask
        with web_app.app_context():
            instance_id = db.session.get(HumanTask, task_id).instance_id
            db.session.remove()
        admin.goto(f"/admin/instances/{instance_id}")
        admin.page.locator("#diagram svg, [data-testid=diagram] svg").first.wait_for()
        assert _violations(admin.page, console) == []
        admin.close()


def test_the_report_page_scripts_work_under_the_policy(web_app, browser):
    from govflow.database import commit, writing
    from govflow.definitions.service import deploy
    from tests.processes.test_case_handling_helpers import case_files
    with web_app.app_context(), writing():
        deploy(case_files())
        commit()
    console: list = []
    with serve(web_app) as base:
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        _watch(context, console)
        page = context.new_page()
        page.goto(base + "/report")
        page.get_by_label("所在社区").select_option("comm_xingfu")
        hidden = page.evaluate("[...document.querySelectorAll('#grid option')]"
                               ".filter(o => o.value).map(o => [o.value, o.hidden])")
        assert ["grid_yg_1", True] in hidden and ["grid_xf_1", False] in hidden  # portal.js ran
        assert page.evaluate("document.featurePolicy ? document.featurePolicy.allowsFeature('geolocation') : true")
        assert _violations(page, console) == []
        # Control: an injected inline script is blocked and seen by the watcher.
        page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.pwned = 1';"
                      " document.body.appendChild(s); }")
        page.wait_for_function("window.__csp.length > 0")
        assert page.evaluate("window.pwned") is None and "script-src" in _violations(page, console)[0]
        context.close()
