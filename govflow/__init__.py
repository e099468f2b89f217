"""GovFlow: party-building-led community governance workflows on BPMN."""
from __future__ import annotations

import logging

from flask import Flask

from .settings import Settings


def create_app(config: dict | None = None) -> Flask:
    """Build the application; reads as the platform's table of contents."""
    from .web.unit_of_work import GovFlowApp

    settings = Settings.from_env(config)
    app = GovFlowApp(__name__)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("spiff").setLevel(logging.WARNING)  # it logs every state change at INFO
    app.config.update(
        SECRET_KEY=settings.SECRET_KEY,
        SQLALCHEMY_DATABASE_URI=settings.DATABASE_URL,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings),
        MAX_CONTENT_LENGTH=max(settings.MAX_DEPLOYMENT_BYTES, 20_000_000),
        GOVFLOW=settings,
        **settings.extra,
    )
    _prepare_sqlite_dir(settings)

    from . import engine, models  # noqa: F401  (models: complete metadata)
    from .api import init_api
    from .cli import register_commands
    from .database import configure_engine
    from .extensions import db, migrate
    from .instances.handlers import call_handler
    from .instances.runtime import install_session_hooks
    from .web.errors import register_error_handlers
    from .web.security import init_security
    from .web.setup import init_web
    from .web.unit_of_work import register_unit_of_work

    db.init_app(app)
    migrate.init_app(app, db, directory=str(settings_root() / "migrations"))
    with app.app_context():
        configure_engine(db.engine)
    install_session_hooks(db.session.session_factory.class_)
    engine.configure(service_caller=call_handler, time_limit=settings.SCRIPT_TIME_LIMIT,
                     max_multi_instance=settings.MAX_MULTI_INSTANCE, isolation=settings.SANDBOX_ISOLATION,
                     step_budget=settings.STEP_TIME_BUDGET)

    register_unit_of_work(app)
    init_security(app)
    init_api(app)
    init_web(app)
    from .organisation.blueprint import register as register_organisation; register_organisation(app)  # issue 5
    register_error_handlers(app)
    register_commands(app)
    return app


def settings_root():
    from .settings import ROOT
    return ROOT


def _engine_options(settings: Settings) -> dict:
    if settings.is_sqlite:
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}


def _prepare_sqlite_dir(settings: Settings) -> None:
    if settings.is_sqlite and ":memory:" not in settings.DATABASE_URL:
        from pathlib import Path
        path = settings.DATABASE_URL.split("sqlite:///", 1)[-1]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
