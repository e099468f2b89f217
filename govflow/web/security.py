"""Transport and browser hardening: trusted proxies, cookie flags, security headers.

``init_security(app)`` is the one call create_app makes. Behind a TLS-terminating
proxy the application only learns the client's address and scheme from
``X-Forwarded-*`` headers; those are honoured for exactly ``TRUSTED_PROXIES``
hops (default 0: a client could otherwise forge its address and slip past the
portal's rate limits). Cookies are marked Secure when the setting says so or
when the request itself arrived over https.
"""
from __future__ import annotations

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from ..errors import ValidationFailed

#: bpmn-js sets inline styles on the diagram, hence 'unsafe-inline' for styles only;
#: blob: images are the photo previews of the report form.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

#: The portal's "locate me" button needs geolocation on our own origin; nothing needs more.
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(self), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"
#: Largest id a URL may name: PostgreSQL's INTEGER. A larger number is a 404 at
#: routing instead of an overflow inside the database driver (a 500).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: 0 … MAX_ID, documented as such in OpenAPI."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def client_address() -> str:
    """The client's address for rate limits: the socket's, or — behind exactly
    ``TRUSTED_PROXIES`` proxies — the one ProxyFix took from X-Forwarded-For."""
    return request.remote_addr or "unknown"


class _BoundedJSONProvider(DefaultJSONProvider):
    """JSON nested deeper than Python's recursion limit is malformed input, not a crash:
    ``json.loads`` raises RecursionError there, which ``get_json`` neither catches nor
    maps to a 400 as it does the ValueError of any other bad JSON."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None


class _SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_security(app: Flask) -> None:
    """Called before any blueprint is registered: routes bind their converters on adding."""
    app.url_map.converters["int"] = IdConverter
    app.json = _BoundedJSONProvider(app)
    settings = app.config["GOVFLOW"]
    if settings.TRUSTED_PROXIES:
        hops = settings.TRUSTED_PROXIES
        # Flask's documented way to wrap the WSGI app; its typing declares wsgi_app a method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]
    app.config.update(
        SESSION_COOKIE_SECURE=settings.COOKIE_SECURE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.COOKIE_SECURE,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
    )
    app.session_interface = _SessionInterface()

    @app.before_request
    def _refuse_nul_characters():
        field = _field_with_nul()
        if field:
            raise ValidationFailed("text may not contain NUL characters",
                                   {field: ["NUL (\\u0000) characters are not accepted"]})

    @app.after_request
    def _security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response


def _field_with_nul() -> str | None:
    """The first request field holding a NUL character: PostgreSQL refuses them in
    text and JSON, and no legitimate form, query or JSON text contains one. (Files
    are bytes and may; they are not looked at.)"""
    if "\x00" in request.path:
        return "path"
    sources = [request.args] if request.method == "GET" else [request.args, request.form]
    for source in sources:
        for key, value in source.items(multi=True):
            if "\x00" in (key or "") or "\x00" in (value or ""):
                return key.replace("\x00", "")
    if request.is_json:
        return _json_with_nul(request.get_json(silent=True), "body")
    return None


def _json_with_nul(value, where: str) -> str | None:
    stack = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return path
        elif isinstance(item, dict):
            for key, inner in item.items():
                if "\x00" in str(key):
                    return path
                stack.append((inner, str(key)))
        elif isinstance(item, list):
            stack.extend((inner, path) for inner in item)
    return None
