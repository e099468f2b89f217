"""A report sent back for a field error keeps its photos on the server (no JavaScript needed):
a signed token carries them to the next submit; the worker forgets those never sent again."""
from __future__ import annotations

import io
import re
import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from govflow.attachments.models import Upload
from govflow.attachments.service import upload_path
from govflow.database import commit, writing
from govflow.extensions import db
from govflow.identity.service import get_user
from govflow.instances.models import ProcessInstance
from govflow.portal import photos
from govflow.portal.models import TrackingCode
from govflow.throttle import RateHit
from govflow.timeutil import utcnow
from govflow.worker import run_worker
from tests.portal.conftest import image_bytes
from tests.web.conftest import csrf_of

_KEPT = re.compile(r'name="kept_photos" value="([^"]*)"')


@pytest.fixture
def client(app, case_deployed):
    return app.test_client()


def _form(client, **overrides):
    data = {"csrf_token": csrf_of(client.get("/report").text), "community": "comm_yangguang",
            "grid": "grid_yg_1", "category": "road", "description": "路灯坏了一周", "address": "阳光小区3栋",
            "phone": "", "name": ""}
    data.update(overrides)
    return data


def _post(client, **overrides):
    return client.post("/report", data=_form(client, **overrides), content_type="multipart/form-data")


def _photo(name="a.jpg"):
    return io.BytesIO(image_bytes()), name


def _token(page) -> str:
    match = _KEPT.search(page.text)
    assert match, "the page keeps no photos"
    return match.group(1)


def _uploads() -> list[Upload]:
    db.session.expire_all()
    return list(db.session.scalars(select(Upload).order_by(Upload.created_at)))


def _instance(response) -> ProcessInstance:
    assert response.status_code == 302 and "/track/" in response.location, response.text
    code = response.location.split("/track/")[1].split("?")[0]
    db.session.expire_all()
    return db.session.get(ProcessInstance, db.session.get(TrackingCode, code).instance_id)


def test_a_refused_reports_photo_is_kept_and_attached_on_the_next_submit(client):
    refused = _post(client, description="", address="幸福路12号", photos=_photo())
    assert refused.status_code == 400 and 'data-testid="error-description"' in refused.text
    assert "已保留 1 张照片" in refused.text and "不要这些照片" in refused.text
    assert "幸福路12号" in refused.text                       # what was typed is kept too
    [kept] = _uploads()                                       # stored, though the report was refused
    assert kept.instance_id is None and kept.content_type == "image/jpeg"
    assert db.session.scalar(select(func.count()).select_from(RateHit)) == 0   # refusals cost nothing

    instance = _instance(_post(client, description="幸福路井盖缺失，夜里很危险", kept_photos=_token(refused)))
    assert instance.variables["photos"] == [kept.id]
    assert [u.instance_id for u in _uploads()] == [instance.id]


def test_kept_and_new_photos_together_and_the_total_is_bounded(client):
    first = _post(client, description="", photos=[_photo("1.jpg"), _photo("2.jpg")])
    assert "已保留 2 张照片" in first.text
    too_many = _post(client, description="", kept_photos=_token(first),
                     photos=[_photo(f"{n}.jpg") for n in range(photos.MAX_PHOTOS - 1)])
    assert too_many.status_code == 400 and f"最多上传{photos.MAX_PHOTOS}张照片" in too_many.text
    assert "已保留 2 张照片" in too_many.text and len(_uploads()) == 2   # none of the new ones stored
    instance = _instance(_post(client, kept_photos=_token(too_many), photos=_photo("3.jpg")))
    assert len(instance.variables["photos"]) == 3
    assert {u.instance_id for u in _uploads()} == {instance.id}


def test_dropping_the_kept_photos(client):
    with client.session_transaction() as session:
        session["lang"] = "en"
    refused = _post(client, grid="grid_nowhere", photos=_photo())
    assert refused.status_code == 400 and 'data-testid="error-grid"' in refused.text
    assert "Photos kept: 1" in refused.text and "Do not use these photos" in refused.text
    instance = _instance(_post(client, kept_photos=_token(refused), drop_kept_photos="1"))
    assert instance.variables["photos"] == []
    assert [u.instance_id for u in _uploads()] == [None]      # left for the worker to forget


def _tampered(token: str) -> str:
    return token[:-2] + ("AA" if not token.endswith("AA") else "BB")


def test_a_bad_token_is_a_field_error_and_keeps_what_was_typed(client, app, monkeypatch):
    refused = _post(client, description="", photos=_photo())
    token = _tampered(_token(refused))
    [upload] = _uploads()
    with monkeypatch.context() as past:           # signed two hours ago: expired
        past.setattr(TimestampSigner, "get_timestamp", lambda _self: int(time.time()) - 7200)
        expired = photos.keep_token([upload.id])
    for bad in (token, expired, "garbage", upload.id):
        answer = _post(client, description="幸福路井盖缺失", address="幸福路12号", kept_photos=bad)
        assert answer.status_code == 400 and photos.EXPIRED in answer.text, bad
        assert "幸福路井盖缺失" in answer.text and "幸福路12号" in answer.text
        assert 'name="kept_photos"' not in answer.text
    assert [u.instance_id for u in _uploads()] == [None]


def test_a_token_works_once_and_not_after_the_photo_aged(client):
    refused = _post(client, description="", photos=_photo())
    token = _token(refused)
    _instance(_post(client, kept_photos=token))
    replay = _post(client, kept_photos=token)     # its photo belongs to a case now
    assert replay.status_code == 400 and photos.EXPIRED in replay.text

    again = _post(client, description="", photos=_photo())
    row = _uploads()[-1]
    with writing():
        db.session.get(Upload, row.id).created_at = utcnow() - photos.KEEP_FOR - timedelta(seconds=1)
        commit()
    late = _post(client, kept_photos=_token(again))
    assert late.status_code == 400 and photos.EXPIRED in late.text


def test_a_refused_photo_stores_nothing(client):
    answer = _post(client, description="", photos=[_photo(), (io.BytesIO(b"<html>"), "evil.jpg")])
    assert answer.status_code == 400 and "不是照片" in answer.text and 'data-testid="error-description"' in answer.text
    assert 'name="kept_photos"' not in answer.text and _uploads() == []


def test_a_rate_limited_post_stores_no_photo_and_passes_the_token_through(client):
    refused = _post(client, description="", photos=_photo())
    token = _token(refused)
    for _ in range(5):
        assert _post(client).status_code == 302
    limited = _post(client, kept_photos=token, photos=_photo("new.jpg"))
    assert limited.status_code == 429 and "已保留 1 张照片" in limited.text and _token(limited) == token
    assert len(_uploads()) == 1


def test_the_worker_forgets_old_unattached_portal_photos_only(client, app):
    refused = _post(client, description="", photos=[_photo("old.jpg"), _photo("fresh.jpg")])
    instance = _instance(_post(client, photos=_photo("linked.jpg")))
    old, fresh, linked = _uploads()
    upload_dir = app.config["GOVFLOW"].UPLOAD_DIR
    with writing():
        staff = photos.store_photos([("staff.jpg", image_bytes())], upload_dir)[0]
        db.session.get(Upload, staff).uploaded_by_id = get_user("grid1").id   # not a resident's
        for row_id in (old.id, linked.id, staff):
            db.session.get(Upload, row_id).created_at = utcnow() - photos.KEEP_FOR - timedelta(minutes=1)
        commit()
    files = {u.id: upload_path(u, upload_dir) for u in _uploads()}
    assert all(path.exists() for path in files.values()) and linked.instance_id == instance.id

    run_worker(once=True)
    left = {u.id for u in _uploads()}
    assert left == {fresh.id, linked.id, staff}
    assert not files[old.id].exists() and all(files[i].exists() for i in left)
    assert "已保留 2 张照片" in refused.text
