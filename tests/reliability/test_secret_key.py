"""Without SECRET_KEY, every gunicorn worker signs with the same key: one generated
once into SECRET_KEY_FILE (owner-only) and read back by the others and by restarts.

Sequential requests may all reach one worker, so 20 users sign in at once and each
loads several pages; with a key per worker, a cookie made by one worker is refused
by the other (400 on the CSRF check, or a redirect back to /login)."""
from __future__ import annotations

import http.cookiejar
import re
import stat
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from govflow.demo import DEMO_PASSWORD, USERS
from govflow.settings import Settings
from govflow.testing import live

from .live import platform_env

PAGES = ("/tasks", "/tasks?list=candidate", "/notifications", "/start", "/tasks")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _browser():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())


def _open(opener, url, data=None) -> tuple[int, str, str]:
    try:
        with opener.open(url, data=data, timeout=60) as answer:
            return answer.status, answer.read().decode(), answer.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace"), error.headers.get("Location", "")


def _sign_in_and_browse(port: int, username: str) -> list[tuple[str, int, str]]:
    base = f"http://127.0.0.1:{port}"
    opener = _browser()
    seen = []
    status, page, _ = _open(opener, base + "/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "username": username,
                                   "password": DEMO_PASSWORD}).encode()
    status, _, location = _open(opener, base + "/login", form)
    seen.append(("POST /login", status, location))
    for path in PAGES:
        status, _, location = _open(opener, base + path)
        seen.append((path, status, location))
    return seen


def test_two_workers_share_one_generated_key(org, database_url, tmp_path):
    key_file = tmp_path / "instance" / "secret_key"
    usernames = [name for name, _, _ in USERS][:20]
    assert len(usernames) == 20
    env = platform_env(database_url, SECRET_KEY_FILE=str(key_file))
    del env["SECRET_KEY"]
    with live.gunicorn(env, tmp_path / "gunicorn.log", workers=2) as (port, _master):
        with ThreadPoolExecutor(20) as pool:
            walks = list(pool.map(lambda name: _sign_in_and_browse(port, name), usernames))
    failures = [(name, step) for name, walk in zip(usernames, walks) for step in walk
                if not (step[0] == "POST /login" and step[1] == 302 and "/login" not in step[2])
                and not (step[0] != "POST /login" and step[1] == 200)]
    assert not failures, failures
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) == 64
    # A restart reads the same key instead of making a new one.
    assert Settings.from_env({"SECRET_KEY": "", "SECRET_KEY_FILE": str(key_file)}).SECRET_KEY == key
    assert [p.name for p in key_file.parent.iterdir()] == ["secret_key"]  # no temporary left
