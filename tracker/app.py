"""create_app(settings): wiring only. Routes, rules and queries live in the feature packages."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from tracker import clock, db
from tracker.returns.api_routes import COMPONENTS as API_COMPONENTS
from tracker.settings import Settings
from tracker.web.auth import PUBLIC, SessionAuthenticationMiddleware, role_guard
from tracker.web.errors import http_exception_handler, internal_error_handler
from tracker.web.security import SecurityHeadersMiddleware
from tracker.web.sessions import RenewingSessionConfig
from tracker.web.stores import DatabaseStore
from tracker.web.templating import build_environment

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
STATIC = ROOT / "tracker" / "static"


def feature_routes() -> list[Any]:
    """Every feature's route handlers. Each feature module exposes ROUTES."""
    from tracker.accounts import routes as accounts
    from tracker.exports import routes as exports
    from tracker.funding import routes as funding
    from tracker.maturity import routes as maturity
    from tracker.notifications import routes as notifications
    from tracker.organisations import routes as organisations
    from tracker.returns import routes as returns

    return [
        *accounts.ROUTES,
        *organisations.ROUTES,
        *returns.ROUTES,
        *maturity.ROUTES,
        *funding.ROUTES,
        *exports.ROUTES,
        *notifications.ROUTES,
    ]


def create_app(settings: Settings, *, configure_database: bool = True) -> Litestar:
    clock.use(settings)
    engine = db.configure(settings) if configure_database else db.engine()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await db.start(engine)
        scheduler = None
        if settings.scheduler:
            from tracker.jobs import build_scheduler

            scheduler = build_scheduler(settings)
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            await db.stop(engine)

    session_config = RenewingSessionConfig(
        store="sessions",
        key="tracker_session",
        max_age=settings.session_idle_minutes * 60,
        renew_on_access=True,
        httponly=True,
        samesite="lax",
        secure=settings.https,
    )
    csrf_config = CSRFConfig(
        secret=settings.secret_key,
        cookie_name="tracker_csrf",
        cookie_secure=settings.https,
        cookie_httponly=True,
        cookie_samesite="lax",
        header_name="x-csrf-token",
        exclude_from_csrf_key="csrf_exempt",
    )
    auth_middleware = DefineMiddleware(
        SessionAuthenticationMiddleware,
        exclude=["^/assets", "^/static", "^/schema", "^/health"],
        exclude_from_auth_key="public",
    )
    assets = create_static_files_router(
        path="/assets", directories=[ASSETS, ASSETS / "assets"], opt=PUBLIC, include_in_schema=False, name="assets"
    )
    static = create_static_files_router(
        path="/static", directories=[STATIC], opt=PUBLIC, include_in_schema=False, name="static"
    )
    environment = build_environment()
    app = Litestar(
        route_handlers=[assets, static, *feature_routes()],
        lifespan=[lifespan],
        middleware=[SecurityHeadersMiddleware, session_config.middleware, auth_middleware],
        stores={"sessions": DatabaseStore("session")},
        csrf_config=csrf_config,
        guards=[role_guard],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment)),
        exception_handlers={HTTPException: http_exception_handler, Exception: internal_error_handler},
        logging_config=LoggingConfig(
            root={"level": settings.log_level, "handlers": ["queue_listener"]},
            log_exceptions="debug",  # 500s are logged by internal_error_handler
        ),
        openapi_config=OpenAPIConfig(
            title="Paperless Tracker API",
            version="1",
            path="/schema",
            description="Read and submit practice returns. Authenticate with an API token: "
            "`Authorization: Bearer <token>`.",
            components=API_COMPONENTS,
        ),
        request_max_body_size=settings.max_upload_bytes,
        state=State(
            {
                "settings": settings,
                "session_absolute_limit": dt.timedelta(hours=settings.session_absolute_hours),
            }
        ),
        debug=False,
    )
    logging.getLogger("tracker").setLevel(settings.log_level)
    return app
