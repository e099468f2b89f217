"""Fixtures of the compatibility tests: pass-through handlers for the names a
diagram uses, taken out again afterwards so other tests see the real registry."""
import pytest

from .drive import CALLS, handler_names_in, register_passthrough, unregister


@pytest.fixture
def passthrough():
    added: list[str] = []

    def register(files: dict[str, bytes]) -> None:
        added.extend(register_passthrough(handler_names_in(files)))
    CALLS.clear()
    yield register
    unregister(added)
    CALLS.clear()
