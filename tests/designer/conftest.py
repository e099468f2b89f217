"""Fixtures for the designer: signed-in designer pages, the web_case diagram and its edits."""
from __future__ import annotations

import pytest

from tests.web.conftest import FIXTURES, page_as, principal_of, web_app, web_case  # noqa: F401

WEB_CASE = (FIXTURES / "web_case.bpmn").read_text(encoding="utf-8")


def edited(old: str, new: str, xml: str = WEB_CASE) -> str:
    assert old in xml, old
    return xml.replace(old, new, 1)


class DesignerClient:
    """A designer's page client that also sends the modeler's JSON calls (CSRF in a header)."""

    def __init__(self, pages):
        self.pages = pages
        pages.get("/designer")

    def get(self, url, **kw):
        return self.pages.get(url, **kw)

    def post_form(self, url, data=None, **kw):
        return self.pages.post(url, data, **kw)

    def post_xml(self, url, xml):
        return self.pages.client.post(url, json={"xml": xml}, headers={
            "X-CSRFToken": self.pages.token, "Accept": "application/json"})


@pytest.fixture
def designer(page_as):
    return DesignerClient(page_as("designer"))
