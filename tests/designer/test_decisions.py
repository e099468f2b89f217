"""DMN files in the designer: listed, edited as drafts, validated, deployed; and in Chromium."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.web.browser import DESKTOP, Staff, serve

DMN = Path(__file__).resolve().parents[2] / "processes" / "case_limits.dmn"
URL = "/designer/decisions/case_limits.dmn"


@pytest.fixture
def decisions(web_app):
    from govflow.database import commit, writing
    from govflow.definitions.service import deploy
    with web_app.app_context(), writing():
        deploy({"case_limits.dmn": DMN.read_bytes()})
        commit()
    return DMN.read_text(encoding="utf-8")


def test_decision_files_are_listed_and_refused_to_others(designer, page_as, decisions):
    assert 'data-filename="case_limits.dmn"' in designer.get("/designer").text
    assert designer.get(URL + "/working.dmn").text == decisions
    assert page_as("grid1").get(URL).status_code == 403
    assert designer.get("/designer/decisions/none.dmn").status_code == 404


def test_broken_table_is_refused_and_a_fixed_one_deployed(designer, decisions):
    broken = decisions.replace('hitPolicy="FIRST"', 'hitPolicy="SOMETIMES"')
    saved = designer.post_xml(URL + "/draft", broken)
    assert saved.status_code == 200 and [p["code"] for p in saved.json["problems"]] == ["invalid-hit-policy"]
    assert "SOMETIMES" in designer.get(URL + "/working.dmn").text
    assert designer.post_xml(URL + "/deploy", broken).status_code == 422
    fixed = decisions.replace('"PT2H"', '"PT3H"')
    assert designer.post_xml(URL + "/deploy", fixed).status_code == 201
    assert '"PT3H"' in designer.get(URL + "/working.dmn").text  # the deployed file; the draft is gone


def test_decision_table_opens_in_dmn_js(web_app, decisions, browser, tmp_path):
    with serve(web_app) as base:
        designer = Staff(browser, base, "designer", DESKTOP, str(tmp_path))
        try:
            page = designer.page
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            designer.goto("/designer")
            page.locator('[data-filename="case_limits.dmn"] a').click()
            page.wait_for_url(re.compile(r"/designer/decisions/case_limits\.dmn$"))
            page.locator("#designer-canvas.is-ready").wait_for()
            page.locator(".tjs-table").first.wait_for()
            assert "PT2H" in page.locator(".tjs-table").first.inner_text()
            page.get_by_test_id("designer-validate").click()
            page.locator("#designer-message.ok").wait_for()
            assert errors == []
        finally:
            designer.close()
