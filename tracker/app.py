"""create_app(settings): wiring only. Routes, rules and queries live in the feature packages."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.exceptions import HTTPException
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.middleware.compression import CompressionMiddleware
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from tracker import clock, db
from tracker.accounts import passwords
from tracker.changes import service as changes
from tracker.exports import built as built_files
from tracker.exports import kept as kept_files
from tracker.notifications import render as email_templates
from tracker.ops.logs import RequestLogMiddleware, configure_logging
from tracker.returns.api_routes import COMPONENTS as API_COMPONENTS
from tracker.settings import Settings
from tracker.web.auth import PUBLIC, SessionAuthenticationMiddleware, role_guard
from tracker.web.errors import http_exception_handler, internal_error_handler
from tracker.web.limits import RequestLimitsMiddleware
from tracker.web.openapi import api_only, openapi_config
from tracker.web.security import SecurityHeadersMiddleware
from tracker.web.sessions import RenewingSessionConfig
from tracker.web.stores import DatabaseStore
from tracker.web.templating import build_environment

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
STATIC = ROOT / "tracker" / "static"
PROBES = ["^/health$", "^/ready$"]
ASSET_MAX_AGE = 7 * 24 * 3600
GIL_SWITCH_SECONDS = 0.0001


def feature_routes() -> list[Any]:
    """Every feature's route handlers. Each feature module exposes ROUTES."""
    from tracker.accounts import routes as accounts
    from tracker.exports import routes as exports
    from tracker.figures import api_routes as figures
    from tracker.funding import routes as funding
    from tracker.indicators import routes as indicators
    from tracker.maturity import routes as maturity
    from tracker.notifications import routes as notifications
    from tracker.ops import routes as ops
    from tracker.organisations import routes as organisations
    from tracker.periods import routes as periods
    from tracker.returns import routes as returns
    from tracker.web import home

    return [
        *home.ROUTES,
        *accounts.ROUTES,
        *organisations.ROUTES,
        *returns.ROUTES,
        *maturity.ROUTES,
        *funding.ROUTES,
        *exports.ROUTES,
        *notifications.ROUTES,
        *figures.ROUTES,
        *ops.ROUTES,
        *periods.ROUTES,
        *indicators.ROUTES,
    ]


def create_app(settings: Settings, *, configure_database: bool = True) -> Litestar:
    clock.use(settings)
    engine = db.configure(settings) if configure_database else db.engine()
    # Every web worker of one deployment shares its built workbooks and CSVs through this folder.
    kept_files.use(kept_files.folder_in(settings.data_dir))

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # SQLite's module lets go of the interpreter lock for every row it reads, and a thread that
        # lets go waits a whole switch interval (5 ms by default) to have it back while the event
        # loop draws pages: under load a read of 7,600 rows in a database thread took 38 s.
        sys.setswitchinterval(GIL_SWITCH_SECONDS)
        await passwords.prepare()
        await db.start(engine)
        running = None
        if settings.scheduler:
            from tracker.jobs import start_scheduler

            running = await start_scheduler(settings)
        try:
            yield
        finally:
            if running is not None:
                from tracker.jobs import stop_scheduler

                await stop_scheduler(*running)
            built_files.close()
            await db.stop(engine)

    session_config = RenewingSessionConfig(
        store="sessions",
        key="tracker_session",
        max_age=settings.session_idle_minutes * 60,
        renew_on_access=False,  # the backend pushes the expiry on itself, at most once a minute
        httponly=True,
        samesite="lax",
        secure=settings.https,
        exclude=PROBES,  # a load balancer's probes must not make a session row each
    )
    csrf_config = CSRFConfig(
        secret=settings.secret_key,
        cookie_name="tracker_csrf",
        cookie_secure=settings.https,
        cookie_httponly=True,
        cookie_samesite="lax",
        header_name="x-csrf-token",
        exclude_from_csrf_key="csrf_exempt",
        # Files and probes never carry a form. A page's late request for its icon, answered after
        # the browser lost its cookies, would otherwise set a new token under a form that holds
        # the old one, and that form's next post would fail.
        exclude=["^/assets/", "^/static/", *PROBES],
    )
    auth_middleware = DefineMiddleware(
        SessionAuthenticationMiddleware,
        exclude=["^/assets", "^/static", "^/schema", *PROBES],
        exclude_from_auth_key="public",
    )
    assets = create_static_files_router(
        path="/assets",
        directories=[ASSETS, ASSETS / "assets"],
        opt=PUBLIC,
        include_in_schema=False,
        name="assets",
        # The NHS.UK frontend changes only with an upgrade; gzip here only, so no page that holds
        # a CSRF token is ever compressed (BREACH).
        cache_control=CacheControlHeader(max_age=ASSET_MAX_AGE, public=True),
        middleware=[DefineMiddleware(CompressionMiddleware, config=CompressionConfig(backend="gzip"))],
    )
    static = create_static_files_router(
        path="/static", directories=[STATIC], opt=PUBLIC, include_in_schema=False, name="static"
    )
    environment = build_environment(reload=settings.template_reload)
    email_templates.reload_templates(settings.template_reload)
    routes = feature_routes()
    api_only(routes)
    app = Litestar(
        route_handlers=[assets, static, *routes],
        lifespan=[lifespan],
        # Limits before sessions: a refused body costs no session read and no parsing.
        middleware=[SecurityHeadersMiddleware, RequestLimitsMiddleware, session_config.middleware, auth_middleware],
        stores={"sessions": DatabaseStore("session")},
        csrf_config=csrf_config,
        guards=[role_guard],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment)),
        exception_handlers={HTTPException: http_exception_handler, Exception: internal_error_handler},
        logging_config=LoggingConfig(
            # tracker.ops.logs configures the root logger (level, text or JSON); Litestar's own
            # logger goes through it too.
            configure_root_logger=False,
            loggers={"litestar": {"level": settings.log_level_name, "handlers": [], "propagate": True}},
            log_exceptions="debug",  # 500s are logged by internal_error_handler
        ),
        openapi_config=openapi_config(API_COMPONENTS),
        request_max_body_size=settings.max_upload_bytes,
        state=State(
            {
                "settings": settings,
                "session_absolute_limit": dt.timedelta(hours=settings.session_absolute_hours),
            }
        ),
        debug=False,
    )
    # Around the whole router, not as route middleware: unmatched paths (404, 405) are logged too.
    app.asgi_handler = RequestLogMiddleware(changes.OneStampPerRequest(app.asgi_handler))
    configure_logging(settings)
    return app
