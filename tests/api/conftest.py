"""Fixtures of the integrators' API tests: small diagrams of their own."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import deployer

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def deploy_api_fixture(org):
    return deployer(FIXTURES)
