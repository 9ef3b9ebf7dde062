"""The API's OpenAPI document: shown only to holders of an API token and to administrators signed
in to the website, and describing only the API (`/api/...`), never the website's pages.

It is served as JSON at `/schema` and `/schema/openapi.json`. There is no viewer page: the
viewers Litestar offers load scripts from a CDN, which the site's Content-Security-Policy blocks
(and should); an API user reads the document in their own tools.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from litestar import Router
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin

from tracker.accounts.principal import Role
from tracker.returns import api_service
from tracker.web.auth import PUBLIC, principal_from_session

SCHEMA_PATH = "/schema"
API_PREFIX = "/api/"


def api_only(handlers: Iterable[Any]) -> None:
    """Leave every handler that is not wholly under /api/ out of the document."""
    for handler in handlers:
        paths = getattr(handler, "paths", None)
        if paths and not all(path.startswith(API_PREFIX) for path in paths):
            handler.include_in_schema = False


async def schema_guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        if await api_service.authenticate(token.strip()) is None:
            raise NotAuthorizedException("The API token is not valid or has been revoked")
        return
    principal = await principal_from_session(connection)
    if principal.role != Role.ADMIN:
        raise PermissionDeniedException("The API's description is for administrators and API token holders")


def openapi_config(components: Any = None) -> OpenAPIConfig:
    return OpenAPIConfig(
        components=components if components is not None else [],
        title="Paperless Tracker API",
        version="1",
        description="Read and submit practice returns. Authenticate with an API token: "
        "`Authorization: Bearer <token>`.",
        render_plugins=[JsonRenderPlugin()],
        openapi_router=Router(
            SCHEMA_PATH, route_handlers=[], include_in_schema=False, guards=[schema_guard], opt=PUBLIC
        ),
    )
