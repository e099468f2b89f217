"""The application factory: every extension, blueprint and command of the platform."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from . import engine, models  # noqa: F401  (models: complete metadata)
from .admin import reports as _admin_reports  # noqa: F401  (its routes join the admin blueprint)
from .admin.blueprint import bp as admin_pages
from .admin.views import bp as _admin_views  # noqa: F401  (routes of the admin blueprint)
from .api import admin as admin_api
from .api import attachments as attachment_api
from .api import definitions as definition_api
from .api import init_api, register_api
from .api import instances as instance_api
from .api import messages as message_api
from .api import orgs as organisation_api
from .api import robots as robot_api
from .api import tasks as task_api
from .attachments.views import bp as upload_pages
from .camunda_rest import init_camunda_rest
from .cli import register_commands
from .database import configure_engine
from .designer.views import bp as designer_pages
from .extensions import db, migrate
from .identity.sso import init_sso
from .instances.handlers import call_handler
from .instances.runtime import install_session_hooks
from .notifications.pages import bp as notification_pages
from .notifications.service import install_hooks as install_notification_hooks
from .notifications.views import bp as robot_pages
from .ops.setup import init_ops
from .ops.views import bp as ops_pages
from .organisation import import_views, tree_views, user_views  # noqa: F401  (routes of its blueprint)
from .organisation.blueprint import bp as organisation_pages
from .portal.views import bp as portal_pages
from .settings import ROOT, Settings
from .web.auth import account_bp as account_pages
from .web.auth import bp as auth_pages
from .web.errors import register_error_handlers
from .web.presenters import register_template_helpers
from .web.security import init_security
from .web.setup import init_web
from .web.sso import bp as sso_pages
from .web.unit_of_work import GovFlowApp, register_unit_of_work
from .worklist.action_views import bp as task_action_pages
from .worklist.start_views import bp as start_pages
from .worklist.views import bp as worklist_pages

#: The REST API under /api/v1, module by module (each names its PREFIX).
API_V1 = (organisation_api, definition_api, instance_api, task_api, message_api, attachment_api, admin_api,
          robot_api)
#: Every page blueprint, in one list.
PAGES = (auth_pages, account_pages, worklist_pages, task_action_pages, start_pages, notification_pages,
         upload_pages, portal_pages, admin_pages, organisation_pages, robot_pages, designer_pages, ops_pages,
         sso_pages)


def create_app(config: dict | None = None) -> Flask:
    """Build the application; reads as the platform's table of contents."""
    settings = Settings.from_env(config)
    app = GovFlowApp(__name__)
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

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    with app.app_context():
        configure_engine(db.engine)
    install_session_hooks(db.session.session_factory.class_)
    engine.configure(service_caller=call_handler, time_limit=settings.SCRIPT_TIME_LIMIT,
                     max_multi_instance=settings.MAX_MULTI_INSTANCE, isolation=settings.SANDBOX_ISOLATION,
                     step_budget=settings.STEP_TIME_BUDGET, timezone=settings.TIMEZONE,
                     timer_min_interval=settings.TIMER_MIN_INTERVAL)

    init_ops(app)
    register_unit_of_work(app)
    init_security(app)
    init_api(app)
    for module in API_V1:
        register_api(module)
    init_camunda_rest(app)
    init_web(app)
    init_sso(app)
    for blueprint in PAGES:
        app.register_blueprint(blueprint)
    register_template_helpers(app)
    install_notification_hooks()
    register_error_handlers(app)
    register_commands(app)
    return app


def _engine_options(settings: Settings) -> dict:
    if settings.is_sqlite:
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    options: dict = {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}
    if not settings.DATABASE_PREPARED_STATEMENTS:
        options["connect_args"] = {"prepare_threshold": None}
    return options


def _prepare_sqlite_dir(settings: Settings) -> None:
    if settings.is_sqlite and ":memory:" not in settings.DATABASE_URL:
        path = settings.DATABASE_URL.split("sqlite:///", 1)[-1]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
