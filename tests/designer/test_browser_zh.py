"""On a zh page the editors speak Chinese: the properties panel and the decision table."""
from __future__ import annotations

import re

from tests.web.browser import DESKTOP, Staff, screenshot_dir, serve

from .test_decisions import URL, decisions  # noqa: F401

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_properties_panel_groups_are_chinese(web_app, browser, tmp_path):
    with serve(web_app) as base:
        designer = Staff(browser, base, "designer", DESKTOP, screenshot_dir(tmp_path))
        try:
            page = designer.page
            designer.goto("/designer/web_case")
            page.locator("#designer-canvas.is-ready").wait_for()
            page.locator('.djs-element[data-element-id="verify"]').click()
            page.locator(".bio-properties-panel-group-header-title").first.wait_for()
            titles = page.locator(".bio-properties-panel-group-header-title").all_inner_texts()
            assert titles and [t for t in titles if not CJK.search(t)] == [], titles
            page.evaluate("""() => document.querySelectorAll('.bio-properties-panel-group-header:not(.open)')
                                       .forEach(h => h.click())""")
            page.locator('#designer-properties label[for="bio-properties-panel-candidateGroups"]').wait_for()
            labels = page.locator("#designer-properties label").all_inner_texts()
            assert len(labels) > 10 and [t for t in labels if t.strip() and t.strip() != "ID" and not CJK.search(t)] == []
            palette = [e.get_attribute("title") for e in page.locator(".djs-palette .entry").all()]
            assert [t for t in palette if t and not CJK.search(t)] == [], palette
            # Buttons the panel draws itself (toggle a section, add/open/delete a list item,
            # the pop-up editor) carry tooltips too: a list item is added so that they show.
            page.locator('[data-group-id="group-CamundaPlatform__ExtensionProperties"] .bio-properties-panel-add-entry').click()
            page.locator('[data-group-id="group-CamundaPlatform__ExtensionProperties"] .bio-properties-panel-collapsible-entry').first.wait_for()
            tooltips = page.locator("#designer-properties [title]").evaluate_all("els => els.map(e => e.title)")
            assert len(tooltips) > 10 and [t for t in tooltips if t.strip() and not CJK.search(t)] == [], tooltips
        finally:
            designer.close()


def test_the_decision_table_is_chinese(web_app, decisions, browser, tmp_path):  # noqa: F811
    with serve(web_app) as base:
        designer = Staff(browser, base, "designer", DESKTOP, screenshot_dir(tmp_path))
        try:
            page = designer.page
            designer.goto(URL)
            page.locator("#designer-canvas.is-ready").wait_for()
            page.locator(".tjs-container").wait_for()
            text = page.locator("#designer-canvas").inner_text()
            assert "命中策略" in text or "命中策略" in (page.locator(".hit-policy").get_attribute("title") or ""), text[:400]
            for english in ("Hit policy", "Add rule", "Annotation", "When", "Then"):
                assert english not in text, english
            designer.shot("designer-dmn-zh")
        finally:
            designer.close()
