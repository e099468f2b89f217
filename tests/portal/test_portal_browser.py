"""A resident on a 375 px phone: report with a photo, track, rate, and see the board."""
from __future__ import annotations

import io
import re

from tests.portal.conftest import image_bytes
from tests.web.browser import PHONE, expect, serve


def _staff_photo(app, username: str) -> str:
    from govflow.attachments.service import UploadTarget, store_upload
    from govflow.database import commit, writing
    from govflow.identity.service import get_user
    with writing():
        row = store_upload(io.BytesIO(image_bytes("PNG", (60, 40))), "after.png",
                           UploadTarget("form", get_user(username).id), app.config["GOVFLOW"].UPLOAD_DIR, 10**6)
        commit()
    return row.id


def test_resident_reports_tracks_rates_and_sees_the_board(app, case_deployed, browser, tmp_path):
    from govflow.extensions import db
    from govflow.portal.models import TrackingCode
    from tests.processes.test_case_handling_helpers import analyse, complete, to_community

    photo = tmp_path / "现场.jpg"
    photo.write_bytes(image_bytes(exif=True))
    with serve(app) as base:
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        fits = "document.documentElement.scrollWidth <= window.innerWidth + 1"

        # Report with a photo.
        page.goto(base + "/report")
        assert page.evaluate(fits)
        page.get_by_label("所在社区").select_option("comm_yangguang")
        page.get_by_label("所在网格").select_option("grid_yg_1")
        page.get_by_label("问题类别").select_option("road")
        page.get_by_label("问题描述").fill("3栋2单元501室门口路灯坏了一周，电话13900001111")
        page.get_by_label("发生地点").fill("阳光小区3栋2单元501室")
        page.get_by_label("现场照片").set_input_files(str(photo))
        page.get_by_label("姓名", exact=True).fill("王小明")
        page.get_by_label("手机号", exact=True).fill("13912345678")
        page.get_by_label("同意工作人员").check()
        page.get_by_test_id("submit-report").click()
        page.wait_for_url(re.compile(r"/track/[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\?new=1$"))
        code = page.get_by_test_id("tracking-code").inner_text().strip()
        assert page.evaluate(fits)
        db.session.expire_all()
        instance_id = db.session.get(TrackingCode, code).instance_id

        # Staff work through the service layer; the resident sees progress, no names.
        to_community(instance_id)
        page.goto(f"{base}/track/{code}")
        timeline = page.get_by_test_id("timeline").inner_text()
        assert "网格员已受理核实" in timeline and "社区分析研判中" in timeline
        assert "王芳" not in page.content() and "现场核实情况属实" not in page.content()
        expect(page.get_by_test_id("rating-form")).to_have_count(0)

        analyse(instance_id, "self")
        after = _staff_photo(app, "cstaff")
        complete("cstaff", "community_handle", instance_id, handling_result="已协调物业更换灯具",
                 handling_photos=[after])

        # Published: the result with its photo and the rating form.
        page.goto(f"{base}/track/{code}")
        expect(page.get_by_test_id("result")).to_contain_text("已协调物业更换灯具")
        image = page.get_by_test_id("result").locator("img").first
        image.wait_for()
        assert page.evaluate("img => img.complete && img.naturalWidth === 60", image.element_handle())
        page.get_by_label("满意", exact=True).check()
        page.get_by_label("意见（可选）").fill("修得很快")
        page.get_by_test_id("submit-rating").click()
        page.wait_for_url(re.compile(r"rated=1$"))
        expect(page.get_by_test_id("rated")).to_contain_text("满意")
        expect(page.get_by_test_id("rating-form")).to_have_count(0)
        expect(page.get_by_test_id("timeline")).to_contain_text("已办结")

        # The board: masked.
        page.goto(base + "/board")
        row = page.get_by_test_id("board-row").first.inner_text()
        assert "已协调物业更换灯具" in row and "阳光社区" in row and "王某" in row and "3栋**" in row
        for secret in ("王小明", "501", "13900001111", "1390000", "13912345678", "2单元"):
            assert secret not in row
        assert page.evaluate(fits)
        context.close()


def test_a_photo_chosen_before_a_refusal_is_still_there(app, case_deployed, browser, tmp_path):
    from govflow.extensions import db
    from govflow.instances.models import ProcessInstance
    from govflow.portal.models import TrackingCode

    photo = tmp_path / "井盖.jpg"
    photo.write_bytes(image_bytes())
    with serve(app) as base:
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(base + "/report")
        page.get_by_label("所在社区").select_option("comm_yangguang")
        page.get_by_label("所在网格").select_option("grid_yg_1")
        page.get_by_label("问题类别").select_option("road")
        page.get_by_label("问题描述").fill("幸福路井盖缺失，夜里很危险")
        page.get_by_label("发生地点").fill("幸福路12号")
        page.get_by_label("现场照片").set_input_files(str(photo))
        page.get_by_label("手机号", exact=True).fill("1391234")          # too short: refused
        page.get_by_label("同意工作人员").check()
        page.get_by_test_id("submit-report").click()
        expect(page.get_by_test_id("error-phone")).to_be_visible()
        assert page.url == base + "/report"
        # The server stored the photo and says so; the input is left empty, so the photo
        # is not sent a second time beside the kept-photos token.
        expect(page.get_by_test_id("kept-photos")).to_contain_text("已保留 1 张照片")
        chosen = page.get_by_label("现场照片")
        assert chosen.evaluate("input => input.files.length") == 0
        assert page.get_by_label("发生地点").input_value() == "幸福路12号"

        page.locator('input[name="phone"]').fill("13912345678")   # its label now carries the error
        page.get_by_test_id("submit-report").click()
        page.wait_for_url(re.compile(r"/track/.+\?new=1$"))
        code = page.get_by_test_id("tracking-code").inner_text().strip()
        db.session.expire_all()
        instance = db.session.get(ProcessInstance, db.session.get(TrackingCode, code).instance_id)
        assert len(instance.variables["photos"]) == 1
        context.close()


def test_without_javascript_the_server_keeps_the_photo(app, case_deployed, browser, tmp_path):
    """Data-saving phone browsers, or a script that failed to load: the plain form post."""
    from sqlalchemy import select

    from govflow.attachments.models import Upload
    from govflow.extensions import db
    from govflow.instances.models import ProcessInstance
    from govflow.portal.models import TrackingCode

    photo = tmp_path / "垃圾.jpg"
    photo.write_bytes(image_bytes())
    with serve(app) as base:
        context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
        context.set_default_timeout(15_000)
        page = context.new_page()
        posts = []   # a plain form post is a page load ("document"); portal.js would "fetch"
        page.on("request", lambda r: posts.append(r.resource_type) if r.method == "POST" else None)
        page.goto(base + "/report")
        page.get_by_label("所在社区").select_option("comm_yangguang")
        page.get_by_label("所在网格").select_option("grid_yg_1")
        page.get_by_label("问题类别").select_option("road")
        page.get_by_label("问题描述").fill("脏")                     # too short for the server
        page.get_by_label("发生地点").fill("和平路菜市场门口")
        page.get_by_label("现场照片").set_input_files(str(photo))
        page.get_by_test_id("submit-report").click()
        expect(page.get_by_test_id("error-description")).to_be_visible()
        expect(page.get_by_test_id("kept-photos")).to_contain_text("已保留 1 张照片")
        assert page.get_by_label("发生地点").input_value() == "和平路菜市场门口"

        page.locator('textarea[name="description"]').fill("菜市场门口垃圾堆放三天无人清运")
        page.get_by_test_id("submit-report").click()
        page.wait_for_url(re.compile(r"/track/.+\?new=1$"))
        code = page.get_by_test_id("tracking-code").inner_text().strip()
        db.session.expire_all()
        instance = db.session.get(ProcessInstance, db.session.get(TrackingCode, code).instance_id)
        [upload] = db.session.scalars(select(Upload).where(Upload.instance_id == instance.id)).all()
        assert instance.variables["photos"] == [upload.id] and upload.content_type == "image/jpeg"
        assert posts == ["document", "document"]
        context.close()
