"""Messages of the services in the page's language (plain English outside a request)."""
from __future__ import annotations

from flask import has_request_context
from flask_babel import gettext


def _(text: str, **params) -> str:
    return gettext(text, **params) if has_request_context() else text % params
