"""Error pages in the NHS.UK style (and JSON for the API). No stack trace ever reaches a user."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

log = logging.getLogger("tracker")

TITLES = {
    400: "Sorry, there is a problem with the request",
    401: "Sign in or send an API token",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "Sorry, that action is not available here",
    413: "The file or form is too large",
    429: "Too many requests",
    500: "Sorry, there is a problem with the service",
}
# Litestar's words when a form's token does not match the browser's cookie.
CSRF_FAILED = "CSRF token verification failed"
FORM_EXPIRED = "This form has expired"


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")[:40]


def _render(
    request: Request[Any, Any, Any], status: int, detail: str = "", headers: dict[str, str] | None = None
) -> Response[Any]:
    title = TITLES.get(status, TITLES[400] if status < 500 else TITLES[500])
    if request.url.path.startswith("/api/"):
        # The suppliers' API answers RFC 9457 problem details; a 401 names the scheme to use, a
        # 405 the methods that are (RFC 9110 requires Allow).
        headers = dict(headers or {})
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="paperless-tracker"'
        body = {"type": "about:blank", "title": title, "status": status, "detail": detail or title}
        return Response(
            {**body, "status_code": status}, status_code=status, media_type="application/problem+json", headers=headers
        )
    if _wants_json(request):
        return Response(
            {"status_code": status, "detail": detail or title}, status_code=status, media_type=MediaType.JSON
        )
    template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/generic.html"
    return Template(template, context={"title": title, "detail": detail, "status": status}, status_code=status)


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if isinstance(exc, NotAuthorizedException) and not _wants_json(request):
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        return Redirect(f"/sign-in?next={quote(target, safe='')}", status_code=303)
    if status >= 500:
        log.error("HTTP %s on %s: %s", status, request.url.path, exc.detail)
        return _render(request, status)
    if status == 403 and exc.detail == CSRF_FAILED and not _wants_json(request):
        return Template("errors/form_expired.html", context={"title": FORM_EXPIRED}, status_code=status)
    detail = exc.detail if status in (400, 401, 403, 413, 429) and isinstance(exc.detail, str) else ""
    if detail == TITLES.get(status):
        detail = ""
    allow = next(({"Allow": v} for k, v in (exc.headers or {}).items() if k.lower() == "allow"), {})
    return _render(request, status, detail, allow)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _render(request, HTTP_500_INTERNAL_SERVER_ERROR)
