"""THE JOURNEY (issue 15's Done-when): one case_handling case walked in Chromium by the
resident, the grid worker, the community secretary (with a community worker as
co-signer), a department, the administrator and the designer — at 375 px and at
1366 px — through a 撤回 (grid worker), a 退回 (secretary to the grid worker) and a
加签 (secretary, before herself).

Every page loaded is checked for horizontal scrolling and for raw codes a person
should never read. Page loads (main-frame navigations) are counted per person and
written with the screenshots to GOVFLOW_SCREENSHOTS or tests/artifacts/journey-<width>/
(journey.json), so the cost of each journey in page loads is on record."""
from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest

from .browser import PHONE, chromium, expect, serve

pytestmark = pytest.mark.browser

WIDE = {"width": 1366, "height": 860}
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
#: What a person must never read on a page: process, role, unit and step codes, escapes.
RAW = re.compile(r"case_handling|community_staff|community_secretary|grid_worker|department_handler|dept_urban|"
                 r"grid_verify|community_analyse|dept_accept|dept_handle|community_check|employer_confirm|\\u[0-9a-f]{4}")



def _photo(tmp_path) -> str:
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(out, "JPEG")
    path = tmp_path / "现场.jpg"
    path.write_bytes(out.getvalue())
    return str(path)


class Person:
    """One person at one screen; counts their page loads and checks every page."""

    def __init__(self, browser, base, who, viewport, record, username=None):
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.base, self.who, self.record = base, who, record
        self.loads = 0
        self.page.on("load", lambda _page: self._loaded())
        if username:
            self.goto("/login")
            self.page.get_by_label("用户名").fill(username)
            self.page.get_by_label("密码").fill("govflow-demo")
            self.page.get_by_role("button", name="登录").click()
            self.page.wait_for_url(re.compile(r"/tasks"))

    def _loaded(self):
        self.loads += 1

    def goto(self, path):
        return self.page.goto(self.base + path)

    def check(self, name):
        """Every page: no horizontal scroll, no raw code; a screenshot kept."""
        page = self.page
        page.wait_for_load_state("load")
        wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert wide[0] <= wide[1] + 1, f"{self.who} · {name}: {wide[0]} px wide on a {wide[1]} px screen ({page.url})"
        text = page.evaluate("document.body.innerText")
        found = RAW.findall(text)
        assert not found, f"{self.who} · {name}: raw codes {sorted(set(found))} on {page.url}: {text[max(0, text.find(found[0]) - 300):text.find(found[0]) + 100]!r}"
        self.record["shots"].append(f"{len(self.record['shots']) + 1:02d}-{self.who}-{name}.png")
        page.screenshot(path=os.path.join(self.record["dir"], self.record["shots"][-1]), full_page=True)

    def open_task(self, which, step_name):
        """From the worklist to the step's task page (clicks, as a person would)."""
        self.goto(f"/tasks?list={which}")
        self.check(f"list-{which}")
        self.page.locator("[data-testid=task-row]", has_text=step_name).first.click()
        expect(self.page.get_by_test_id("task-page")).to_be_visible()
        self.check(f"task-{step_name}")
        return int(self.page.get_by_test_id("task-page").get_attribute("data-task-id"))

    def submit(self, testid="complete"):
        self.page.get_by_test_id(testid).click()
        self.page.wait_for_load_state("load")
        self.check(f"after-{testid}")

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["375px", "1366px"])
def test_the_journey(web_app, browser, tmp_path, viewport):
    from govflow.database import commit, writing
    from govflow.definitions.service import deploy
    from tests.processes.test_case_handling_helpers import case_files
    with web_app.app_context(), writing():
        deploy(case_files())
        commit()
    shots = os.environ.get("GOVFLOW_SCREENSHOTS") or str(ARTIFACTS / f"journey-{viewport['width']}")
    os.makedirs(shots, exist_ok=True)
    record = {"dir": shots, "shots": []}
    photo = _photo(tmp_path)
    people: dict[str, Person] = {}
    with serve(web_app) as base:
        def person(who, username=None):
            if who not in people:
                people[who] = Person(browser, base, who, viewport, record, username)
            return people[who]
        try:
            _walk(person, photo)
        finally:
            loads = {who: p.loads for who, p in people.items()}
            with open(os.path.join(shots, "journey.json"), "w", encoding="utf-8") as out:
                json.dump({"viewport": viewport, "page_loads": loads, "total": sum(loads.values()),
                           "screenshots": record["shots"]},
                      out, ensure_ascii=False, indent=2)
            for p in people.values():
                p.close()


def _walk(person, photo):
    # 居民 reports on the portal.
    resident = person("resident")
    resident.goto("/report")
    resident.check("report-form")
    page = resident.page
    page.get_by_label("所在社区").select_option("comm_yangguang")
    page.get_by_label("所在网格").select_option("grid_yg_1")
    page.get_by_label("问题类别").select_option("road")
    page.get_by_label("问题描述").fill("阳光小区3栋门口路灯坏了一周")
    page.get_by_label("发生地点").fill("阳光小区3栋")
    page.get_by_label("现场照片").set_input_files(photo)
    page.get_by_label("姓名", exact=True).fill("王小明")
    page.get_by_label("手机号", exact=True).fill("13912345678")
    page.get_by_label("同意工作人员").check()
    resident.submit("submit-report")
    code = page.get_by_test_id("tracking-code").inner_text().strip()

    # 网格员: verifies and reports up, then 撤回 to correct the note, and reports again.
    grid = person("grid_worker", "grid1")
    grid.open_task("candidate", "受理核实")
    page = grid.page
    page.get_by_label("处置方式").select_option("report_up")
    page.get_by_label("核实情况").fill("现场确认路灯不亮，需社区协调")
    grid.submit()
    grid.open_task("done", "受理核实")
    page.get_by_test_id("withdraw-reason").fill("核实情况漏写楼号")
    grid.submit("withdraw")
    expect(page.get_by_label("核实情况")).to_have_value("现场确认路灯不亮，需社区协调")
    page.get_by_label("核实情况").fill("现场确认3栋门口路灯不亮，需社区协调")
    grid.submit()

    # 社区书记: 退回 to the grid worker, who corrects it (the earlier values kept).
    secretary = person("secretary", "secretary")
    secretary.open_task("candidate", "分析研判")
    page = secretary.page
    page.get_by_test_id("return-panel").locator("summary").click()
    page.get_by_test_id("return-step").select_option(label="受理核实")
    page.get_by_test_id("return-reason").fill("请补充现场照片说明")
    secretary.submit("return")
    grid.open_task("candidate", "受理核实")
    expect(grid.page.get_by_label("核实情况")).to_have_value("现场确认3栋门口路灯不亮，需社区协调")
    grid.page.get_by_label("核实情况").fill("现场确认3栋门口路灯不亮（见居民照片），需社区协调")
    grid.submit()

    # 社区书记: 加签 a community worker before herself, who signs; then whistles.
    secretary.open_task("candidate", "分析研判")
    page.get_by_test_id("cosign-panel").locator("summary").click()
    page.get_by_test_id("cosign-user").select_option("cstaff")
    secretary.submit("cosign")
    expect(page.get_by_test_id("cosign-notice")).to_be_visible()
    staff = person("community_staff", "cstaff")
    staff.open_task("mine", "分析研判")
    staff.page.get_by_test_id("sign-comment").fill("同意吹哨城管")
    staff.submit("sign")
    secretary.open_task("mine", "分析研判")
    page.get_by_label("研判结论").select_option("whistle")
    page.get_by_label("研判意见").fill("路灯维修属城管职责")
    secretary.submit()

    # 职能部门: batch-approves the 签收, then reports the result with a photo.
    dept = person("department", "urban")
    dept.goto("/tasks?list=candidate")
    dept.check("list-candidate")
    dept.page.locator("[data-testid=task-row]", has_text="部门签收").first.locator("xpath=..") \
        .locator("input[type=checkbox]").check()
    dept.page.get_by_test_id("batch-comment").fill("签收")
    dept.submit("batch-approve")
    expect(dept.page.locator(".flash").first).to_contain_text("已审批")
    dept.open_task("candidate", "部门办理反馈")
    dept.page.get_by_label("办理结果").fill("已更换灯具")
    dept.page.get_by_label("办理后照片").set_input_files(photo)
    dept.submit()

    # 社区书记 checks the result and passes it.
    secretary.open_task("candidate", "核查")
    page.get_by_test_id("check_passed-yes").check()
    page.get_by_label("核查意见").fill("现场复核灯已亮")
    secretary.submit()

    # 管理员 follows the case; 设计人员 opens its diagram.
    admin = person("administrator", "admin")
    admin.goto("/admin")
    admin.check("console")
    admin.goto("/admin/instances")
    admin.check("instances")
    admin.page.get_by_test_id("open-instance").first.click()
    admin.check("instance")
    expect(admin.page.get_by_test_id("dossier")).to_be_visible()
    designer = person("designer", "designer")
    designer.goto("/designer")
    designer.check("designer")

    # 居民 follows the case by its code.
    resident.goto(f"/track/{code}")
    resident.check("track")
