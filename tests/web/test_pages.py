"""The staff pages through Flask's test client: sign-in, guards, lists, the task page."""
from __future__ import annotations

import io
import re

from .conftest import csrf_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def start_case(client, title="三号楼路灯不亮", **extra):
    client.get("/start/web_case")
    data = {"org_unit": "grid_yg_1", "title": title, "category": "road", "description": "晚上不亮", **extra}
    response = client.post("/start/web_case", data=data)
    assert response.status_code == 303, response.text[-2000:]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_pages_need_a_session(web_app):
    client = web_app.test_client()
    for url in ("/tasks", "/tasks/1", "/tasks/1/diagram.bpmn", "/start", "/notifications", "/password"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
    assert client.post("/tasks/1/claim").status_code == 400  # no CSRF token: refused first


def test_login_is_chinese_by_default_and_english_on_request(web_app):
    client = web_app.test_client()
    assert "登录" in client.get("/login").text
    client.get("/lang/en")
    page = client.get("/login").text
    assert "Sign in" in page and "登录" not in page


def test_wrong_password_locks_the_account(web_app):
    client = web_app.test_client()
    token = csrf_of(client.get("/login").text)
    for _ in range(5):
        page = client.post("/login", data={"username": "grid1", "password": "nope", "csrf_token": token})
        assert page.status_code == 401 and "用户名或密码错误" in page.text
    page = client.post("/login", data={"username": "grid1", "password": "govflow-demo", "csrf_token": token})
    assert page.status_code == 401 and "用户名或密码错误" in page.text and "锁定" in page.text
    # A locked account answers as an unknown name does (tests/hostile/test_login.py: no enumeration).
    unknown = client.post("/login", data={"username": "nobody", "password": "x", "csrf_token": token})
    assert unknown.status_code == 401 and "用户名或密码错误" in unknown.text


def test_login_refuses_a_foreign_next_and_logout_ends_the_session(web_app):
    client = web_app.test_client()
    token = csrf_of(client.get("/login").text)
    response = client.post("/login?next=//evil.example/x", data={
        "username": "grid1", "password": "govflow-demo", "csrf_token": token})
    assert response.headers["Location"] == "/tasks"
    token = csrf_of(client.get("/tasks").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/tasks").status_code == 302


def test_an_idle_session_ends(page_as, web_app):
    grid1 = page_as("grid1")
    with grid1.client.session_transaction() as session:
        session["seen"] -= 31 * 60
    assert grid1.get("/tasks").status_code == 302


def test_changing_the_password_ends_other_sessions(page_as):
    phone, desk = page_as("grid1"), page_as("grid1")
    phone.get("/password")
    page = phone.post("/password", {"current": "wrong", "new": "new-password-1", "repeat": "new-password-1"})
    assert "当前密码不正确" in page.text
    response = phone.post("/password", {"current": "govflow-demo", "new": "new-password-1",
                                        "repeat": "new-password-1"})
    assert response.status_code == 302
    assert phone.get("/tasks").status_code == 200
    assert desk.get("/tasks").status_code == 302


def test_started_by_me_lists_the_open_steps_of_my_cases(page_as):
    grid1, secretary = page_as("grid1"), page_as("secretary")
    task_id = start_case(grid1)
    page = grid1.get("/tasks?list=started").text
    assert f'data-task-id="{task_id}"' in page and "我发起的" in page
    assert f'data-task-id="{task_id}"' not in secretary.get("/tasks?list=started").text


def test_other_grids_never_see_the_task(page_as):
    grid1, grid2, secretary2 = page_as("grid1"), page_as("grid2"), page_as("secretary2")
    task_id = start_case(grid1)
    for other in (grid2, secretary2):
        for which in ("mine", "candidate", "overdue", "copied", "done", "started"):
            assert f'data-task-id="{task_id}"' not in other.get(f"/tasks?list={which}").text
        for url in (f"/tasks/{task_id}", f"/tasks/{task_id}/diagram.bpmn"):
            page = other.get(url)
            assert page.status_code == 404 and "不在您的管辖范围内" in page.text
            assert "<html" in page.text and "Traceback" not in page.text
        assert other.post(f"/tasks/{task_id}/claim").status_code == 404
    assert 'data-testid="count-candidate"' not in grid2.get("/tasks").text


def test_the_task_form_keeps_values_and_shows_errors(page_as):
    grid1 = page_as("grid1")
    task_id = start_case(grid1)
    grid1.get(f"/tasks/{task_id}")
    page = grid1.post(f"/tasks/{task_id}/complete", {"note": "现场有积水", "households": "-3", "comment": "初查"})
    assert page.status_code == 200
    assert "请修改标出的项目" in page.text
    assert 'value="现场有积水"' in page.text and "初查</textarea>" in page.text
    errors = re.findall(r'data-field="(\w+)"', page.text.split('class="field has-error')[1])[:1]
    assert errors == ["approved"]
    assert "此项为必填项" in page.text and "不能小于 0" in page.text
    response = grid1.post(f"/tasks/{task_id}/complete", {"approved": "true", "note": "现场有积水", "households": "3"})
    assert response.status_code == 303
    assert "已办理" in grid1.get("/tasks").text
    assert f'data-task-id="{task_id}"' in grid1.get("/tasks?list=done").text


def test_photos_are_stored_kept_and_shown(page_as):
    grid1 = page_as("grid1")
    grid1.get("/start/web_case")
    page = grid1.post("/start/web_case", data={
        "org_unit": "grid_yg_1", "title": "", "category": "road", "description": "积水",
        "photos__files": [(io.BytesIO(PNG), "现场.png"), (io.BytesIO(b"MZ\x90\0"), "virus.exe")]},
        content_type="multipart/form-data")
    assert page.status_code == 200 and "仅支持照片" in page.text and "此项为必填项" in page.text
    kept = re.findall(r'name="photos" value="(up_[^"]+)"', page.text)
    assert len(kept) == 1
    response = grid1.post("/start/web_case", data={"org_unit": "grid_yg_1", "title": "积水", "category": "road",
                                                   "description": "积水", "photos": kept})
    task_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = grid1.get(f"/tasks/{task_id}").text
    assert f"/uploads/{kept[0]}" in page
    photo = grid1.get(f"/uploads/{kept[0]}")
    assert photo.status_code == 200 and photo.mimetype == "image/png" and photo.data == PNG
    assert page_as("grid2").get(f"/uploads/{kept[0]}").status_code == 404


def test_form_values_may_not_name_someone_elses_upload(page_as):
    grid1, secretary = page_as("grid1"), page_as("secretary")
    task_id = start_case(grid1)
    secretary.get("/start/web_case")
    page = secretary.post("/start/web_case", data={"org_unit": "comm_yangguang", "title": "", "category": "road",
                                                   "description": "x", "photos__files": [(io.BytesIO(PNG), "a.png")]},
                          content_type="multipart/form-data")
    theirs = re.findall(r'name="photos" value="(up_[^"]+)"', page.text)
    assert theirs
    grid1.get(f"/tasks/{task_id}")
    page = start_case(grid1, title="再报一件", photos=theirs)
    assert theirs[0] not in grid1.get(f"/tasks/{page}").text


def test_lists_filter_search_sort_and_page(page_as, web_app):
    grid1 = page_as("grid1")
    first = start_case(grid1, title="路灯不亮")
    second = start_case(grid1, title="井盖破损")
    page = grid1.get("/tasks?list=candidate").text
    assert page.index(f'data-task-id="{first}"') < page.index(f'data-task-id="{second}"')
    assert 'data-testid="count-candidate">2<' in page
    found = grid1.get("/tasks?list=candidate&q=井盖").text
    assert f'data-task-id="{second}"' in found and f'data-task-id="{first}"' not in found
    by_text = grid1.get("/tasks?list=candidate&q=晚上不亮").text  # the description, inside the variables
    assert f'data-task-id="{first}"' in by_text
    assert f'data-task-id="{first}"' in grid1.get("/tasks?list=candidate&org=grid_yg_1&process=web_case").text
    assert f'data-task-id="{first}"' not in grid1.get("/tasks?list=candidate&process=other").text
    assert f'data-task-id="{first}"' not in grid1.get("/tasks?list=candidate&due_by=2000-01-01").text
    newest = grid1.get("/tasks?list=candidate&sort=newest").text
    assert newest.index(f'data-task-id="{second}"') < newest.index(f'data-task-id="{first}"')
    web_app.config["GOVFLOW"].WORKLIST_PAGE_SIZE = 1
    try:
        paged = grid1.get("/tasks?list=candidate&page=2").text
        assert "2 / 2" in paged and f'data-task-id="{second}"' in paged
    finally:
        web_app.config["GOVFLOW"].WORKLIST_PAGE_SIZE = 20
    assert 'data-light="green"' in page


def test_actions_report_refusals_without_changing_anything(page_as):
    grid1, grid2 = page_as("grid1"), page_as("grid2")
    task_id = start_case(grid1)
    grid1.get(f"/tasks/{task_id}")
    response = grid1.post(f"/tasks/{task_id}/transfer", {"user": "grid2"})
    assert response.status_code == 303
    page = grid1.get(f"/tasks/{task_id}").text
    assert "不在该事项的管辖范围内" in page and 'data-testid="assignee">未认领' in page
    assert grid2.get(f"/tasks/{task_id}").status_code == 404


def test_diagram_xml_and_notifications_page(page_as):
    grid1 = page_as("grid1")
    task_id = start_case(grid1)
    xml = grid1.get(f"/tasks/{task_id}/diagram.bpmn")
    assert xml.mimetype == "application/xml" and b'id="web_case"' in xml.data
    page = grid1.get("/notifications").text
    assert 'data-testid="note-task_created"' in page and 'data-testid="unread-count">1<' in page
    note_id = re.search(r"/notifications/(\d+)/open", page).group(1)
    response = grid1.post(f"/notifications/{note_id}/open")
    assert response.headers["Location"].endswith(f"/tasks/{task_id}")
    assert 'data-testid="unread-count"' not in grid1.get("/notifications").text


def test_the_api_still_answers_json(page_as, web_app):
    response = web_app.test_client().get("/api/v1/tasks")
    assert response.status_code == 401 and response.is_json
