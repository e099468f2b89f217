"""Resident portal through the service layer: report, track, rate, board, abuse checks."""
from __future__ import annotations

import io
import math
import re
import struct
import zlib
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from govflow.database import commit, writing
from govflow.errors import NotFound, ValidationFailed
from govflow.extensions import db
from govflow.identity.service import get_org_unit, get_user
from govflow.instances.models import InstanceEvent, ProcessInstance
from govflow.portal import photos, service
from govflow.portal.codes import LENGTH, SYMBOLS, new_code
from govflow.portal.models import TrackingCode
from govflow.privacy.masking import board_text
from govflow.records.models import PublicResult
from govflow.timeutil import utcnow
from tests.portal.conftest import image_bytes
from tests.processes.test_case_handling_helpers import complete, task, verify


def make_report(**overrides) -> service.Report:
    values = dict(community="comm_yangguang", grid="grid_yg_1", category="road",
                  description="阳光小区3栋2单元501室门口路灯坏了一周", address="阳光小区3栋2单元501室",
                  lat="39.9", lng="116.4", name="王小明", phone="13912345678", consent=True)
    values.update(overrides)
    return service.Report(**values)


def submit(**overrides) -> tuple[str, ProcessInstance]:
    with writing():
        code = service.submit_report(make_report(**overrides))
        commit()
    row = db.session.get(TrackingCode, code)
    return code, db.session.get(ProcessInstance, row.instance_id)


def test_report_starts_the_case_at_the_chosen_grid_with_the_variables(case_deployed):
    code, instance = submit(grid="grid_yg_2")
    assert instance.process_key == "case_handling"
    assert instance.org_unit_id == get_org_unit("grid_yg_2").id
    v = instance.variables
    assert (v["category"], v["source"], v["reporter_name"], v["reporter_phone"], v["sms_consent"]) == (
        "road", "resident", "王小明", "13912345678", True)
    assert v["location"] == "阳光小区3栋2单元501室" and (v["latitude"], v["longitude"]) == (39.9, 116.4)
    assert v["title"] == "阳光小区3栋2单元**室门口路灯坏了一周"  # the title travels to robots and lists
    # The tracking code is random and not the case number.
    assert len(code) == 14 and code != instance.business_key and v["case_no"] not in code
    # The grid's worker has the verification task.
    assert task("grid2", "grid_verify").instance_id == instance.id


def test_anonymous_report_keeps_no_name_or_phone(case_deployed):
    _, instance = submit(anonymous=True)
    v = instance.variables
    assert "reporter_name" not in v and "reporter_phone" not in v and v["anonymous"] is True


@pytest.mark.parametrize("overrides, field", [
    (dict(grid="grid_xf_1"), "grid"),             # a grid of another community
    (dict(grid="comm_yangguang"), "grid"),        # not a grid
    (dict(category="bogus"), "category"),
    (dict(description=""), "description"),
    (dict(phone="123"), "phone"),
    (dict(consent=False), "consent"),
    (dict(lat="abc"), "lat"),
])
def test_bad_reports_are_refused_by_field(case_deployed, overrides, field):
    with pytest.raises(ValidationFailed) as refused:
        service.report_variables(make_report(**overrides))
    assert field in refused.value.errors


def test_two_codes_differ_and_unknown_codes_are_not_found(case_deployed):
    first, _ = submit()
    second, _ = submit()
    assert first != second
    for bad in ("x" * 16, "short", "../../etc", first[:-1] + ("A" if first[-1] != "A" else "B")):
        with pytest.raises(NotFound):
            service.tracking(bad)


def test_timeline_hides_staff_names_and_comments(case_deployed):
    code, instance = submit()
    verify(instance.id, "report_up", verify_note="内部备注：王芳到现场看过")
    db.session.expire_all()
    info = service.tracking(code)
    texts = [s["text"] for s in info["steps"]]
    assert texts[:3] == ["已收到您的反映", "网格员受理核实中", "网格员已受理核实"]
    assert "社区分析研判中" in texts
    flat = repr(info)
    events = db.session.scalars(select(InstanceEvent).where(InstanceEvent.instance_id == instance.id)).all()
    assert any(e.actor_id for e in events)  # staff did act …
    for secret in ("王芳", "内部备注", "grid1", get_user("grid1").display_name):
        assert secret not in flat       # … but nobody is named


def test_rating_is_delivered_once_and_then_the_form_disappears(case_deployed):
    code, instance = submit()
    complete("grid1", "grid_verify", instance.id, resolution="on_spot", verify_note="属实",
             handling_result="已更换灯泡", verify_photos=["up_x"])
    db.session.expire_all()
    info = service.tracking(code)
    assert info["awaits_rating"] and info["result"] and "已更换灯泡" in info["result"]["summary"]
    with writing():
        service.rate(code, "basic", "还可以")
        commit()
    db.session.expire_all()
    v = db.session.get(ProcessInstance, instance.id).variables
    assert (v["rating"], v["rating_comment"]) == ("basic", "还可以")
    info = service.tracking(code)
    assert not info["awaits_rating"] and info["rating"] == "基本满意"
    assert info["steps"][-1]["text"] == "已办结"
    with pytest.raises(NotFound), writing():
        service.rate(code, "satisfied")
    db.session.rollback()
    with pytest.raises(ValidationFailed):
        service.rate(code, "great")


@pytest.mark.parametrize("text, masked", [
    ("阳光小区3栋2单元501室门口", "阳光小区3栋**门口"),
    ("3栋2单元**室", "3栋**"),
    ("5号楼1单元302户", "5号楼**"),
    ("联系电话13900001111", ""),
    ("电话139****1111，谢谢", "，谢谢"),
    ("202室漏水", "**漏水"),
    ("路灯坏了，电话1390000111…", "路灯坏了"),
    ("身份证110101199001011234", "身份证"),
])
def test_public_text_masking(text, masked):
    assert board_text(text) == masked


def test_board_masks_names_phones_and_houses_and_pages(case_deployed):
    unit = get_org_unit("comm_yangguang")
    with writing():
        for i in range(12):
            db.session.add(PublicResult(
                instance_id=submit()[1].id, org_unit_id=unit.id, category="road" if i % 2 else "noise",
                title=f"【道路设施】路灯{i}", summary="王**反映：3栋2单元**室门口路灯坏了，联系电话139****1111。办理结果：已修复",
                published_at=utcnow() - timedelta(minutes=i)))
        commit()
    page = service.board()
    assert (page["total"], page["pages"], len(page["rows"])) == (12, 2, 10)
    row = page["rows"][0]
    assert row["title"] == "【道路设施】路灯0" and row["community"] == "阳光社区"
    assert row["summary"] == "王某反映：3栋**门口路灯坏了。办理结果：已修复"
    assert len(service.board(page=2)["rows"]) == 2
    assert service.board(category="road")["total"] == 6
    assert service.board(community="comm_xingfu")["total"] == 0


def test_rate_limit_counts_per_client_and_window(ctx):
    now = utcnow()
    with writing():
        for _ in range(service.RATE_LIMIT):
            service.check_rate("report", "10.0.0.1", now)
        with pytest.raises(service.RateLimited):
            service.check_rate("report", "10.0.0.1", now)
        service.check_rate("report", "10.0.0.2", now)      # another address
        service.check_rate("rating", "10.0.0.1", now)      # another action
        service.check_rate("report", "10.0.0.1", now + service.RATE_WINDOW + timedelta(seconds=1))
        commit()


def test_photos_are_reencoded_without_exif(ctx):
    original = image_bytes(exif=True)
    assert b"SecretCam" in original
    cleaned = photos.clean_photo(original, "a.jpg")
    assert b"SecretCam" not in cleaned
    image = Image.open(io.BytesIO(cleaned))
    assert image.format == "JPEG" and not image.getexif() and image.size == (40, 30)
    assert Image.open(io.BytesIO(photos.clean_photo(image_bytes("PNG"), "b.png"))).format == "JPEG"


def _png_bomb(width=30000, height=30000) -> bytes:
    """A small PNG whose header claims a huge image (decompression bomb)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = zlib.compress(b"\x00" * (width // 8 + 1) * 16)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


@pytest.mark.parametrize("data, reason", [
    (b"<script>alert(1)</script>", "bad_type"),
    (b"\xff\xd8\xff\xe0 not really a jpeg", "bad_type"),
    (b"%PDF-1.4 a document", "bad_type"),
    (b"", "empty"),
])
def test_non_images_named_jpg_are_refused(ctx, data, reason):
    with pytest.raises(photos.PhotoRefused) as refused:
        photos.clean_photo(data, "photo.jpg")
    assert refused.value.reason == reason and "photos" in refused.value.errors


def test_oversized_files_and_decompression_bombs_are_refused(ctx, monkeypatch):
    with pytest.raises(photos.PhotoRefused) as refused:
        photos.clean_photo(_png_bomb(), "bomb.png")
    assert refused.value.reason == "bomb"
    monkeypatch.setattr(photos, "MAX_PHOTO_BYTES", 1000)
    with pytest.raises(photos.PhotoRefused) as refused:
        photos.clean_photo(image_bytes(size=(400, 400)) + b"\0" * 2000, "big.jpg")
    assert refused.value.reason == "too_large"


def test_stored_photos_belong_to_the_instance(case_deployed, app):
    with writing():
        ids = photos.store_photos([("a.jpg", image_bytes(exif=True))], app.config["GOVFLOW"].UPLOAD_DIR)
        report = make_report()
        report.photo_ids = ids
        code = service.submit_report(report)
        commit()
    from govflow.attachments.models import Upload
    row = db.session.get(Upload, ids[0])
    instance_id = db.session.get(TrackingCode, code).instance_id
    assert row.instance_id == instance_id and row.content_type == "image/jpeg"
    assert db.session.get(ProcessInstance, instance_id).variables["photos"] == ids
    with pytest.raises(ValidationFailed):
        photos.store_photos([("a.jpg", image_bytes())] * (photos.MAX_PHOTOS + 1), "/nonexistent")
    assert db.session.scalar(select(func.count()).select_from(TrackingCode)) == 1


def test_tracking_codes_read_aloud_easily(case_deployed):
    """Grouped, without look-alikes, 60 random bits; typed in any case, with spaces or a
    look-alike, it still finds the case."""
    assert math.log2(len(SYMBOLS)) * LENGTH >= 60
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){2}", new_code())
    code, instance = submit()
    raw = code.replace("-", "")
    typed = " ".join([raw[:4].lower(), raw[4:8], raw[8:].replace("0", "o").replace("1", "l")])
    assert service.instance_for_code(typed).id == instance.id
    with pytest.raises(NotFound):
        service.instance_for_code("ZZZZ-ZZZZ-ZZZZ")
