"""A case walked from report to closure through the pages, in Chromium, by four people:
a grid worker on a phone (375 px), a community secretary and a community worker at
desks, and a grid worker of another grid who must never see it."""
from __future__ import annotations

import re

import pytest

from .browser import DESKTOP, PHONE, Staff, chromium, screenshot_dir, serve

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module's walks (the conftest's is per test)."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def site(web_app, browser, tmp_path):
    shots = screenshot_dir(tmp_path)
    people = []
    with serve(web_app) as base:
        def sign_in(username, viewport=PHONE):
            person = Staff(browser, base, username, viewport, shots)
            people.append(person)
            return person
        yield sign_in
        for person in people:
            person.close()


def test_a_case_from_report_to_closure(site, tmp_path):
    photo = tmp_path / "现场.png"
    photo.write_bytes(PNG)

    # 网格员 reports on a phone, with a photo.
    grid1 = site("grid1")
    page = grid1.page
    assert grid1.fits_the_screen()
    grid1.shot("01-grid1-my-tasks-375")
    page.get_by_test_id("tab-start").click()
    page.get_by_test_id("start-web_case").click()
    page.get_by_label("问题概要").fill("三号楼前路灯不亮")
    page.get_by_label("问题类别").select_option("road")
    page.get_by_label("问题描述").fill("晚上七点后整排路灯不亮，居民出行不便")
    page.get_by_label("安全隐患").check()
    page.get_by_label("现场照片").set_input_files(str(photo))
    grid1.shot("02-grid1-start-form-375")
    page.get_by_test_id("start").click()
    page.wait_for_url(re.compile(r"/tasks/\d+$"))
    task_id = int(page.url.rsplit("/", 1)[1])
    assert page.get_by_role("heading", name="现场核实").is_visible()
    assert page.locator(".details img").count() == 1
    assert grid1.fits_the_screen()

    # A validation error: the yes/no question left unanswered; what was typed stays.
    page.get_by_label("核实说明").fill("现场确认灯不亮")
    page.get_by_label("审批意见").fill("已到现场")
    page.get_by_test_id("complete").click()
    assert page.get_by_test_id("form-errors").is_visible()
    assert page.locator('[data-field="approved"] .error').inner_text() == "此项为必填项。"
    assert page.get_by_label("核实说明").input_value() == "现场确认灯不亮"
    assert page.get_by_label("审批意见").input_value() == "已到现场"
    grid1.shot("03-grid1-validation-error-375")
    page.get_by_test_id("approved-yes").check()
    page.get_by_test_id("complete").click()
    page.wait_for_url(re.compile(r"/tasks$"))
    assert "已办理：现场核实" in page.locator(".flash").inner_text()

    # 网格员 of another grid: not in any list, and the address is a 404 page.
    grid2 = site("grid2")
    for which in ("mine", "candidate", "overdue", "copied", "done"):
        grid2.goto(f"/tasks?list={which}")
        assert grid2.page.locator(f'[data-task-id="{task_id}"]').count() == 0
    response = grid2.goto(f"/tasks/{task_id}")
    assert response.status == 404
    assert "不在您的管辖范围内" in grid2.page.get_by_test_id("error-page").inner_text()
    grid2.shot("04-grid2-other-grid-404-375")

    # 社区书记 at a desk: the review is offered; the diagram shows done and current steps.
    secretary = site("secretary", DESKTOP)
    spage = secretary.page
    assert spage.get_by_test_id("count-candidate").inner_text() == "1"
    spage.get_by_test_id("tab-candidate").click()
    spage.get_by_test_id("task-row").first.click()
    assert spage.get_by_role("heading", name="社区研判").is_visible()
    spage.locator("#diagram.is-ready").wait_for()
    assert spage.locator('.gf-done[data-element-id="verify"]').count() == 1
    assert spage.locator('.gf-current[data-element-id="review"]').count() == 1
    assert "三号楼前路灯不亮" in spage.locator(".details").inner_text()
    secretary.shot("05-secretary-review-desktop")
    review_url = spage.url

    # 转办 to the community worker.
    spage.get_by_test_id("claim").click()
    assert "已认领" in spage.locator(".flash").inner_text()
    spage.get_by_text("转办", exact=True).first.click()
    spage.get_by_test_id("transfer-user").select_option("cstaff")
    spage.get_by_test_id("transfer-panel").get_by_label("附言").fill("请陈静先摸排")
    spage.get_by_test_id("transfer").click()
    assert "已转办" in spage.locator(".flash").inner_text()

    # 社区工作者: told, finds it in 我的待办, and 退回 it to the grid worker's step.
    cstaff = site("cstaff", DESKTOP)
    cpage = cstaff.page
    assert cpage.get_by_test_id("unread-count").inner_text() == "1"
    assert cpage.get_by_test_id("count-mine").inner_text() == "1"
    cpage.get_by_test_id("bell").click()
    assert cpage.get_by_test_id("note-task_assigned").is_visible()
    cstaff.shot("06a-cstaff-notifications-desktop")
    cpage.get_by_test_id("note-task_assigned").click()
    assert cpage.get_by_role("heading", name="社区研判").is_visible()
    assert cpage.get_by_test_id("unread-count").count() == 0
    cpage.get_by_text("退回", exact=True).first.click()
    cpage.get_by_test_id("return-step").select_option("verify")
    cpage.get_by_test_id("return-reason").fill("照片看不清，请补拍近景")
    cstaff.shot("06-cstaff-return-desktop")
    cpage.get_by_test_id("return").click()
    assert "已退回" in cpage.locator(".flash").inner_text()

    # 网格员 again: the step is back, with the reason in the history.
    grid1.goto("/tasks?list=candidate")
    page.get_by_test_id("task-row").first.click()
    history = page.get_by_test_id("history").inner_text()
    assert "退回" in history and "照片看不清，请补拍近景" in history and "转办" in history
    grid1.shot("07-grid1-returned-task-375")
    assert grid1.fits_the_screen()
    page.get_by_test_id("approved-yes").check()
    page.get_by_label("核实说明").fill("已补拍近景照片")
    page.get_by_test_id("complete").click()
    page.wait_for_url(re.compile(r"/tasks$"))

    # 社区书记 closes it; the comment (审批意见) is required here.
    secretary.goto("/tasks?list=candidate")
    spage.get_by_test_id("task-row").first.click()
    assert spage.url != review_url  # a new run of the review step
    spage.get_by_label("研判结论").select_option("close")
    spage.get_by_test_id("complete").click()
    assert spage.locator('.field.has-error textarea[name="comment"]').count() == 1
    spage.get_by_label("审批意见").fill("路灯已修复，同意办结")
    spage.get_by_test_id("complete").click()
    spage.wait_for_url(re.compile(r"/tasks$"))
    spage.get_by_test_id("tab-done").click()
    spage.get_by_test_id("task-row").first.click()
    assert spage.get_by_test_id("task-status").inner_text() == "已完成"
    assert "办结" in spage.get_by_test_id("history").inner_text()
    assert "路灯已修复，同意办结" in spage.get_by_test_id("history").inner_text()
    secretary.shot("08-secretary-closed-desktop")


def test_the_worklist_on_a_phone_and_in_english(site):
    grid1 = site("grid1")
    page = grid1.page
    page.get_by_test_id("tab-start").click()
    page.get_by_test_id("start-web_case").click()
    page.get_by_label("问题概要").fill("井盖破损")
    page.get_by_label("问题类别").select_option("road")
    page.get_by_label("问题描述").fill("小区东门井盖破损")
    page.get_by_test_id("start").click()
    page.wait_for_url(re.compile(r"/tasks/\d+$"))
    grid1.goto("/tasks?list=candidate")
    assert page.locator('[data-light="green"]').count() == 1
    assert grid1.fits_the_screen()
    grid1.shot("09-grid1-candidates-375")
    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="English").click()
    assert page.get_by_test_id("tab-candidate").inner_text().startswith("To claim")
    grid1.shot("10-grid1-candidates-english-375")
