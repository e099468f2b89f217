"""Playwright on Debian's Chromium against a server on 127.0.0.1, for the page tests."""
from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

ASSETS = Path(__file__).resolve().parents[2] / "govflow" / "static" / "dist" / "bpmn-viewer.js"
CHROMIUM = os.environ.get("GOVFLOW_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 860}


def require_browser():
    """Skip (with the reason) where Chromium or Playwright is missing; `make setup` installs both in CI."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
    if not ASSETS.exists():
        pytest.skip(f"{ASSETS} is not built (make setup: npm ci && npm run build)")
    return pytest.importorskip("playwright.sync_api")


@contextmanager
def chromium():
    """Debian's Chromium through Playwright (the test skips where either is missing),
    closed on exit."""
    sync_api = require_browser()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def screenshot_dir(tmp_path) -> str:
    """GOVFLOW_SCREENSHOTS (kept for people to look at) or the test's own folder."""
    shots = os.environ.get("GOVFLOW_SCREENSHOTS") or str(tmp_path)
    os.makedirs(shots, exist_ok=True)
    return shots


@contextmanager
def serve(app):
    """The app on a free port of 127.0.0.1, threaded, stopped on exit."""
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="govflow-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


class Staff:
    """One person at one screen: a browser context signed in as a demo user."""

    def __init__(self, browser, base, username, viewport, shots):
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.base, self.username, self.shots = base, username, shots
        self.page.goto(f"{base}/login")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill("govflow-demo")
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_url(f"{base}/tasks")

    def goto(self, path):
        return self.page.goto(self.base + path)

    def shot(self, name):
        if self.shots:
            self.page.screenshot(path=os.path.join(self.shots, f"{name}.png"), full_page=True)

    def fits_the_screen(self) -> bool:
        return self.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    def close(self):
        self.context.close()


def expect(target):
    """Playwright's auto-waiting assertions (the page is checked until it says so, up to
    15 s), imported here because Playwright is optional: the tests skip without it."""
    from playwright.sync_api import expect as playwright_expect
    playwright_expect.set_options(timeout=15_000)
    return playwright_expect(target)
