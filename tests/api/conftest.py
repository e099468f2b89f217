"""Fixtures of the integrators' API tests: small diagrams of their own."""
from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def deploy_api_fixture(org):
    from govflow.database import commit, writing
    from govflow.definitions.service import deploy

    def run(*names):
        with writing():
            result = deploy({n: (FIXTURES / n).read_bytes() for n in names})
            commit()
        return result
    return run
