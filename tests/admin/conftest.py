"""Fixtures for the admin console: a few web_case instances in different grids."""
from __future__ import annotations

import pytest

from tests.web.conftest import page_as, principal_of, web_app, web_case  # noqa: F401

CASES = [("grid_yg_1", "road", "路灯不亮"), ("grid_yg_1", "sanitation", "垃圾满溢"), ("grid_yg_2", "road", "井盖缺失")]


def start_cases():
    """Starts CASES (business keys BK-1…) and returns their instance ids."""
    from govflow.database import commit, writing
    from govflow.instances.service import start_instance
    ids = []
    with writing():
        for n, (grid, category, title) in enumerate(CASES, 1):
            ids.append(start_instance("web_case", grid, {"title": title, "category": category,
                                                         "description": "说明"},
                                      business_key=f"BK-{n}", title=title).id)
        commit()
    return ids


@pytest.fixture
def cases(web_case):
    return start_cases()


@pytest.fixture
def page_cases(web_app):
    with web_app.app_context():
        return start_cases()
