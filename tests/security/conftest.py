"""Security fixtures: tokens of the demo users, and the figures each check reports."""
from __future__ import annotations

from collections import Counter

import pytest

#: Figures the security checks measure, printed at the end of the run and quoted
#: in docs/SECURITY.md (e.g. requests fuzzed, route × role cells checked).
FIGURES: Counter = Counter()


@pytest.fixture
def tokens(org):
    """tokens['admin'] → a fresh API token of that demo user (committed)."""
    from govflow.database import commit, writing
    from govflow.identity.service import get_user, issue_token

    class Tokens(dict):
        def __missing__(self, username):
            with writing():
                self[username] = issue_token(get_user(username))
                commit()
            return self[username]
    return Tokens()


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("security figures")
        for name, value in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {value:,}")
