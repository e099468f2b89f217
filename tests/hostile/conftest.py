"""Hostile-input fixtures: the security suite's (signed-in pages, tokens, figures)."""
from tests.notifications.conftest import receiver  # noqa: F401
from tests.security.conftest import FIGURES, tokens, world  # noqa: F401
from tests.web.conftest import csrf_of, page_as, web_app  # noqa: F401
