"""Every staff page at 375 × 812 and at 1366 px: no horizontal scrolling.

The pages are enumerated from the URL map (GET routes of the staff, admin and designer
classes of the authorization matrix), filled with the matrix's sample objects, and
visited signed in as a role that may read them. A route added later is visited without
anyone remembering to; one the test cannot fill fails by name unless listed below."""
from __future__ import annotations

import os
import re

import pytest

from tests.security.conftest import tokens, world  # noqa: F401  (the matrix's sample objects)
from tests.security.test_authz_matrix import classify

from .browser import PHONE, Staff, expect, screenshot_dir, serve

WIDE = {"width": 1366, "height": 860}
#: Who visits each class of page: the grid worker reads the sample task inside his grid.
VISITOR = {"staff": "grid1", "admin": "admin", "designer": "designer"}
#: Files rather than pages, and routes whose parameter has no sample object.
NOT_PAGES = (".bpmn", ".dmn", ".form", ".xlsx", ".csv", ".json", ".pdf")
NO_SAMPLE = {"admin.called_detail": "web_case calls no other process",
             "designer.decision": "no DMN file in the sample world",
             "designer.form_editor": "no Camunda Form in the sample world (tests/forms walks the editor)",
             "organisation.import_report": "a report exists only after an import",
             "robot_pages.robot_form": "no robot in the sample world (/admin/robots/new is visited)",
             "uploads.show_upload": "an image, not a page"}
#: Query strings that change what a page lays out.
VARIANTS = {"worklist.task_list": [f"?list={name}"
                                   for name in ("mine", "candidate", "done", "overdue", "copied", "started")]}


def staff_pages(app, world):  # noqa: F811  (the objects, not the fixture)
    """[(role's user, url)] for every GET page of staff, administrators and designers."""
    values = {"task_id": world["task:in"], "instance_id": world["instance:in"], "key": "web_case",
              "code": "grid_yg_1", "username": "grid1", "element_id": "verify"}
    pages = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        cls = classify(rule)
        if "GET" not in rule.methods or cls not in VISITOR or rule.rule.endswith(NOT_PAGES) \
                or rule.endpoint in NO_SAMPLE and rule.arguments or rule.endpoint == "auth.logout":
            continue
        missing = [name for name in rule.arguments if name not in values]
        assert not missing, f"{rule.endpoint} ({rule.rule}): no sample for {missing}; add one or list it in NO_SAMPLE"
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:[^<>]*:)?{name}>", str(values[name]), url)
        for query in VARIANTS.get(rule.endpoint, [""]):
            pages.append((VISITOR[cls], url + query))
    return pages


def _slug(url):
    return re.sub(r"[^A-Za-z0-9]+", "-", url).strip("-") or "home"


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["375px", "1366px"])
def test_every_staff_page_fits_the_screen(web_app, world, browser, tmp_path, viewport):  # noqa: F811
    pages = staff_pages(web_app, world)
    assert len(pages) >= 20, pages
    shots = os.path.join(screenshot_dir(tmp_path), f"pages-{viewport['width']}")
    os.makedirs(shots, exist_ok=True)
    too_wide, broken = [], []
    with serve(web_app) as base:
        people = {}
        try:
            for username, url in pages:
                person = people.get(username) or people.setdefault(
                    username, Staff(browser, base, username, viewport, shots))
                response = person.goto(url)
                if response.status >= 400:
                    broken.append(f"{username} {url}: {response.status}")
                    continue
                person.page.locator("main").wait_for()
                person.shot(_slug(url))
                if not person.fits_the_screen():
                    width = person.page.evaluate("document.documentElement.scrollWidth")
                    too_wide.append(f"{username} {url}: {width} px")
        finally:
            for person in people.values():
                person.close()
    assert not broken, "\n".join(broken)
    assert not too_wide, f"wider than {viewport['width']} px:\n" + "\n".join(too_wide)


def test_a_form_survives_a_dropped_connection(web_app, world, browser, tmp_path):  # noqa: F811
    task = world["task:in"]
    with serve(web_app) as base:
        grid1 = Staff(browser, base, "grid1", PHONE, screenshot_dir(tmp_path))
        try:
            page = grid1.page
            grid1.goto(f"/tasks/{task}")
            if page.get_by_test_id("claim").count():
                page.get_by_test_id("claim").click()
            page.get_by_test_id("phrases").get_by_role("button", name="同意", exact=True).click()  # 常用意见
            expect(page.get_by_label("审批意见")).to_have_value("同意")
            page.get_by_label("核实说明").fill("路灯线路老化")
            page.get_by_label("审批意见").fill("已到现场")
            page.get_by_test_id("approved-yes").check()
            grid1.context.set_offline(True)
            with page.expect_event("requestfailed"):
                page.get_by_test_id("complete").click(no_wait_after=True)
            grid1.context.set_offline(False)

            grid1.goto(f"/tasks/{task}")
            expect(page.locator('form[data-draft-restored="true"]')).to_have_count(1)
            expect(page.get_by_label("核实说明")).to_have_value("路灯线路老化")
            expect(page.get_by_label("审批意见")).to_have_value("已到现场")
            expect(page.get_by_test_id("approved-yes")).to_be_checked()

            page.get_by_test_id("complete").click()
            page.wait_for_url(re.compile(r"/tasks$"))
            assert page.evaluate(f"localStorage.getItem('govflow-draft:task-{task}')") is None
        finally:
            grid1.close()
