"""REST API under /api/v1, documented at /api/v1/openapi.json."""
from __future__ import annotations

from flask import Flask
from flask_smorest import Api

api = Api()


def init_api(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "GovFlow API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "info": {"description": "Start processes, work tasks and send messages. "
                                "Authenticate with `Authorization: Bearer <token>` "
                                "(`flask --app wsgi users token NAME`)."},
    })
    api.init_app(app)


def register_api(module) -> None:
    """One module's blueprint under /api/v1 and its ``PREFIX`` (create_app lists them)."""
    api.register_blueprint(module.blp, url_prefix=f"/api/v1{module.PREFIX}")
