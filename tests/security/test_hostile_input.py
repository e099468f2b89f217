"""Hostile form and upload input: markup is shown escaped on every page that shows
it, wrong and overlong values are refused by field, file names cannot climb out
of the upload folder, and files are judged by content, not by name."""
from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from sqlalchemy import select

from tests.web.conftest import csrf_of

from .conftest import FIGURES, PNG, fingerprint

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
RAW = ("<script>alert", "<img src=x")  # the tags themselves; escaped text keeps "onerror=" harmlessly


def assert_escaped(page, where):
    assert page.status_code == 200, (where, page.status_code)
    for raw in RAW:
        i = page.text.find(raw)
        assert i < 0, (where, page.text[max(0, i - 300):i + 100])
    assert "&lt;script&gt;" in page.text, f"{where}: the text is not shown at all"
    FIGURES["pages checked for escaped markup"] += 1


@pytest.fixture
def portal(web_app):
    """case_handling deployed beside web_case, for the resident pages."""
    from govflow.database import commit, writing
    from govflow.definitions.service import deploy
    from tests.processes.test_case_handling_helpers import case_files
    with web_app.app_context(), writing():
        deploy(case_files())
        commit()
    return web_app.test_client()


def _start(client, **fields):
    client.get("/start/web_case")
    data = {"org_unit": "grid_yg_1", "title": "路灯", "category": "road", "description": "不亮", **fields}
    return client.post("/start/web_case", data=data)


def test_markup_in_a_case_is_escaped_on_the_staff_and_admin_pages(web_app, page_as):
    from govflow.extensions import db
    from govflow.worklist.models import HumanTask
    grid1 = page_as("grid1")
    response = _start(grid1, title=XSS[:90], description=XSS)
    assert response.status_code == 303
    task_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert_escaped(grid1.get(f"/tasks/{task_id}"), "staff task page")
    assert_escaped(grid1.get("/tasks?list=candidate"), "staff worklist")
    with web_app.app_context():
        instance_id = db.session.get(HumanTask, task_id).instance_id
        db.session.remove()
    assert_escaped(page_as("admin").get(f"/admin/instances/{instance_id}"), "admin instance page")


def test_markup_in_a_report_is_escaped_on_the_track_page_and_the_board(web_app, portal):
    from govflow.database import commit, writing
    from govflow.extensions import db
    from govflow.identity.service import get_org_unit
    from govflow.portal.models import TrackingCode
    from govflow.records.models import PublicResult
    token = csrf_of(portal.get("/report").text)
    response = portal.post("/report", data={
        "csrf_token": token, "community": "comm_yangguang", "grid": "grid_yg_1", "category": "road",
        "description": XSS, "address": XSS[:60], "name": "", "phone": ""})
    assert response.status_code == 302, response.text[-500:]
    track = portal.get(response.location)
    assert track.status_code == 200 and not any(raw in track.text for raw in RAW)
    with web_app.app_context(), writing():
        row = db.session.scalar(select(TrackingCode))
        db.session.add(PublicResult(instance_id=row.instance_id, org_unit_id=get_org_unit("comm_yangguang").id,
                                    category="road", title=XSS[:100], summary=XSS))
        commit()
    assert_escaped(portal.get("/board"), "public board")


@pytest.mark.parametrize("fields, field", [
    ({"title": "长" * 101}, "title"),                 # over maxlength
    ({"title": ""}, "title"),                         # required
    ({"category": "<b>road</b>"}, "category"),        # not one of the choices
    ({"description": "x" * 100_000}, "description"),  # far over maxlength
    ({"org_unit": "grid_xf_1"}, "org_unit"),          # a unit outside the caller's jurisdiction
    ({"org_unit": "' OR 1=1 --"}, "org_unit"),
])
def test_bad_start_form_values_are_refused_by_field_and_store_nothing(web_app, page_as, fields, field):
    grid1 = page_as("grid1")
    before = fingerprint(web_app)
    page = _start(grid1, **fields)
    assert page.status_code in (200, 400) and "has-error" in page.text, page.status_code
    assert f'data-field="{field}"' in page.text.split('class="field has-error')[1][:400] or field == "org_unit"
    assert fingerprint(web_app) == before
    FIGURES["hostile inputs refused"] += 1


def test_an_uploaded_file_name_cannot_climb_out_of_the_upload_folder(web_app, page_as, tmp_path):
    from pathlib import Path

    from govflow.attachments.models import Upload
    from govflow.extensions import db
    grid1 = page_as("grid1")
    task_id = int(_start(grid1).headers["Location"].rsplit("/", 1)[1])
    grid1.get(f"/tasks/{task_id}")
    for name in ("../../../../tmp/evil.png", "..\\..\\evil.png", "/etc/cron.d/evil.png", "a\x00.png"):
        response = grid1.post(f"/tasks/{task_id}/attachments", data={"file": (io.BytesIO(PNG), name)},
                              content_type="multipart/form-data")
        assert response.status_code == 303, name
    upload_dir = Path(web_app.config["GOVFLOW"].UPLOAD_DIR).resolve()
    with web_app.app_context():
        uploads = db.session.scalars(select(Upload)).all()
        for upload in uploads:
            # only a display name (the stored file has a random name); no separators survive
            assert not set(upload.filename) & {"/", "\\", "\x00"}, upload.filename
            assert (upload_dir / upload.storage_name).resolve().is_relative_to(upload_dir)
            served = grid1.get(f"/uploads/{upload.id}")
            assert served.status_code == 200 and served.data == PNG
            assert "/" not in served.headers.get("Content-Disposition", "")
        db.session.remove()
    assert len(uploads) == 4 and not Path("/tmp/evil.png").exists()
    FIGURES["hostile inputs refused"] += 4


@pytest.mark.parametrize("data", [b"<script>alert(1)</script>", b"<svg onload=alert(1)>", b"MZ\x90\0", b""])
def test_a_non_image_with_an_image_name_is_refused(web_app, page_as, data):
    grid1 = page_as("grid1")
    task_id = int(_start(grid1).headers["Location"].rsplit("/", 1)[1])
    grid1.get(f"/tasks/{task_id}")
    before = fingerprint(web_app)
    response = grid1.post(f"/tasks/{task_id}/attachments", data={"file": (io.BytesIO(data), "photo.png")},
                          content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200 and 'class="flash error' in response.text.replace("flash-error", "flash error")
    assert fingerprint(web_app) == before
    FIGURES["hostile inputs refused"] += 1


def _png_bomb(width=60_000, height=60_000) -> bytes:
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    raw = zlib.compress(b"\x00" * (width // 8 + 1) * 16)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


@pytest.mark.parametrize("name, data", [("bomb.png", _png_bomb()), ("page.jpg", b"<html><script>x</script>"),
                                        ("../../x.jpg", b"GIF89a not really")])
def test_the_report_form_refuses_bombs_and_fakes_by_content(web_app, portal, name, data):
    before = fingerprint(web_app)
    token = csrf_of(portal.get("/report").text)
    response = portal.post("/report", data={
        "csrf_token": token, "community": "comm_yangguang", "grid": "grid_yg_1", "category": "road",
        "description": "路灯坏了", "address": "", "name": "", "phone": "", "photos": (io.BytesIO(data), name)},
        content_type="multipart/form-data")
    assert response.status_code == 400 and re.search(r"照片|photo", response.text)
    assert fingerprint(web_app) == before
    FIGURES["hostile inputs refused"] += 1


@pytest.mark.parametrize("method, url, kwargs, field", [
    ("GET", "/api/v1/process-instances?process_key=a%00b", {}, "process_key"),
    ("POST", "/api/v1/messages", {"json": {"name": "rating", "variables": {"note": "a\x00b"}}}, "note"),
    ("GET", "/track/AAAA%00AAAA", {}, "path"),
    ("GET", "/board?q=%00", {}, "q"),
])
def test_nul_characters_are_refused_by_field_before_reaching_the_database(web_app, tokens, method, url,
                                                                          kwargs, field):
    """PostgreSQL cannot store NUL in text or JSON; found by the API fuzzing as a 500."""
    response = web_app.test_client().open(url, method=method, headers={
        "Authorization": f"Bearer {tokens['admin']}", "Accept": "application/json"}, **kwargs)
    assert response.status_code == 422 and field in response.json["errors"], response.text[:300]
    FIGURES["hostile inputs refused"] += 1
