"""A case walked from report to closure through the pages, in Chromium, by four people:
a grid worker on a phone (375 px), a community secretary and a community worker at
desks, and a grid worker of another grid who must never see it."""
from __future__ import annotations

import re

import pytest

from .browser import DESKTOP, PHONE, Staff, chromium, expect, screenshot_dir, serve

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
    expect(page.get_by_role("heading", name="现场核实")).to_be_visible()
    expect(page.locator(".details img")).to_have_count(1)
    assert grid1.fits_the_screen()

    # A validation error: the yes/no question left unanswered; what was typed stays.
    page.get_by_label("核实说明").fill("现场确认灯不亮")
    page.get_by_label("审批意见").fill("已到现场")
    page.get_by_test_id("complete").click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(page.locator('[data-field="approved"] .error')).to_have_text("此项为必填项。")
    expect(page.get_by_label("核实说明")).to_have_value("现场确认灯不亮")
    expect(page.get_by_label("审批意见")).to_have_value("已到现场")
    grid1.shot("03-grid1-validation-error-375")
    page.get_by_test_id("approved-yes").check()
    page.get_by_test_id("complete").click()
    page.wait_for_url(re.compile(r"/tasks$"))
    expect(page.locator(".flash")).to_contain_text("已办理：现场核实")

    # 网格员 of another grid: not in any list, and the address is a 404 page.
    grid2 = site("grid2")
    for which in ("mine", "candidate", "overdue", "copied", "done"):
        grid2.goto(f"/tasks?list={which}")
        expect(grid2.page.locator(f'[data-task-id="{task_id}"]')).to_have_count(0)
    response = grid2.goto(f"/tasks/{task_id}")
    assert response.status == 404
    expect(grid2.page.get_by_test_id("error-page")).to_contain_text("不在您的管辖范围内")
    grid2.shot("04-grid2-other-grid-404-375")

    # 社区书记 at a desk: the review is offered; the diagram shows done and current steps.
    secretary = site("secretary", DESKTOP)
    spage = secretary.page
    expect(spage.get_by_test_id("count-candidate")).to_have_text("1")
    spage.get_by_test_id("tab-candidate").click()
    spage.get_by_test_id("task-row").first.click()
    expect(spage.get_by_role("heading", name="社区研判")).to_be_visible()
    spage.locator("#diagram.is-ready").wait_for()
    expect(spage.locator('.gf-done[data-element-id="verify"]')).to_have_count(1)
    expect(spage.locator('.gf-current[data-element-id="review"]')).to_have_count(1)
    expect(spage.locator(".details")).to_contain_text("三号楼前路灯不亮")
    secretary.shot("05-secretary-review-desktop")
    review_url = spage.url

    # 转办 to the community worker.
    spage.get_by_test_id("claim").click()
    expect(spage.locator(".flash")).to_contain_text("已认领")
    spage.get_by_text("转办", exact=True).first.click()
    spage.get_by_test_id("transfer-user").select_option("cstaff")
    spage.get_by_test_id("transfer-panel").get_by_label("附言").fill("请陈静先摸排")
    spage.get_by_test_id("transfer").click()
    expect(spage.locator(".flash")).to_contain_text("已转办")

    # 社区工作者: told, finds it in 我的待办, and 退回 it to the grid worker's step.
    cstaff = site("cstaff", DESKTOP)
    cpage = cstaff.page
    expect(cpage.get_by_test_id("unread-count")).to_have_text("1")
    expect(cpage.get_by_test_id("count-mine")).to_have_text("1")
    cpage.get_by_test_id("bell").click()
    expect(cpage.get_by_test_id("note-task_transferred")).to_be_visible()
    cstaff.shot("06a-cstaff-notifications-desktop")
    cpage.get_by_test_id("note-task_transferred").click()
    expect(cpage.get_by_role("heading", name="社区研判")).to_be_visible()
    expect(cpage.get_by_test_id("unread-count")).to_have_count(0)
    cpage.get_by_text("退回", exact=True).first.click()
    cpage.get_by_test_id("return-step").select_option("verify")
    cpage.get_by_test_id("return-reason").fill("照片看不清，请补拍近景")
    cstaff.shot("06-cstaff-return-desktop")
    cpage.get_by_test_id("return").click()
    expect(cpage.locator(".flash")).to_contain_text("已退回")

    # 网格员 again: the step is back, with the reason in the history.
    grid1.goto("/tasks?list=candidate")
    page.get_by_test_id("task-row").first.click()
    expect(page.get_by_test_id("history")).to_contain_text("照片看不清，请补拍近景")
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
    expect(spage.locator('.field.has-error textarea[name="comment"]')).to_have_count(1)
    spage.get_by_label("审批意见").fill("路灯已修复，同意办结")
    spage.get_by_test_id("complete").click()
    spage.wait_for_url(re.compile(r"/tasks$"))
    spage.get_by_test_id("tab-done").click()
    spage.get_by_test_id("task-row").first.click()
    expect(spage.get_by_test_id("task-status")).to_have_text("已完成")
    expect(spage.get_by_test_id("history")).to_contain_text("办结")
    expect(spage.get_by_test_id("history")).to_contain_text("路灯已修复，同意办结")
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
    expect(page.locator('[data-light="green"]')).to_have_count(1)
    assert grid1.fits_the_screen()
    grid1.shot("09-grid1-candidates-375")
    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="English").click()
    expect(page.get_by_test_id("tab-candidate")).to_have_text(re.compile(r"^To claim"))
    grid1.shot("10-grid1-candidates-english-375")
