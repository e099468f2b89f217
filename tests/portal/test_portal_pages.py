"""The portal's pages through the Flask test client: CSRF, 404s, 429, the report post."""
from __future__ import annotations

import io

import pytest

from tests.portal.conftest import image_bytes
from tests.web.conftest import csrf_of


@pytest.fixture
def client(app, case_deployed):
    return app.test_client()


def _form(client, **overrides):
    token = csrf_of(client.get("/report").text)
    data = {"csrf_token": token, "community": "comm_yangguang", "grid": "grid_yg_1", "category": "road",
            "description": "路灯坏了一周", "address": "阳光小区3栋", "phone": "", "name": ""}
    data.update(overrides)
    return data


def test_report_page_lists_communities_and_grids(client):
    page = client.get("/report")
    assert page.status_code == 200 and "阳光社区" in page.text and 'data-community="comm_yangguang"' in page.text


def test_report_with_a_photo_redirects_to_the_tracking_code(client):
    data = _form(client, photos=(io.BytesIO(image_bytes()), "a.jpg"))
    response = client.post("/report", data=data, content_type="multipart/form-data")
    assert response.status_code == 302 and "/track/" in response.location
    page = client.get(response.location)
    assert page.status_code == 200 and 'data-testid="tracking-code"' in page.text and "已收到您的反映" in page.text


def test_a_text_file_named_jpg_is_refused_on_the_form(client):
    data = _form(client, photos=(io.BytesIO(b"not an image"), "evil.jpg"))
    response = client.post("/report", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and "不是照片" in response.text


def test_posts_without_csrf_are_refused(client):
    data = _form(client)
    data.pop("csrf_token")
    assert client.post("/report", data=data).status_code == 400


def test_unknown_and_malformed_codes_get_the_same_404(client):
    unknown = client.get("/track/AAAAAAAAAAAAAAAA")
    malformed = client.get("/track/..%2f..")
    assert unknown.status_code == malformed.status_code == 404
    assert unknown.text == client.get("/track/short").text
    token = csrf_of(client.get("/report").text)
    assert client.post("/track/AAAAAAAAAAAAAAAA/rate", data={"csrf_token": token, "rating": "satisfied"}).status_code == 404


def test_only_accepted_reports_count_and_the_429_page_keeps_the_text(client):
    for _ in range(5):  # forms sent back for a missing field cost nothing
        assert client.post("/report", data=_form(client, description="")).status_code == 400
    for _ in range(5):
        assert client.post("/report", data=_form(client)).status_code == 302
    response = client.post("/report", data=_form(client, description="第六次：小区东门积水严重"))
    assert response.status_code == 429 and response.headers["Retry-After"]
    assert "太频繁" in response.text and "第六次：小区东门积水严重" in response.text  # what was typed is kept
    other = client.post("/report", data=_form(client), environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert other.status_code == 302


def test_board_page_and_photos_of_unpublished_uploads_are_hidden(client):
    page = client.get("/board")
    assert page.status_code == 200 and "暂无公开结果" in page.text
    assert client.get("/board/photos/up_nothing").status_code == 404
