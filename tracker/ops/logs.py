"""Logging: one handler on stderr, text or JSON lines, and one line per request.

Every process (web workers, the scheduler, commands) calls `configure_logging(settings)`, so the
level and the format are the same everywhere and third-party chatter is held to warnings.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import sys
import time
import warnings
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from tracker.settings import Settings

REQUEST_LOG = "tracker.request"
# Libraries that log routine work at INFO: their own lines say nothing the request log and the
# job lines do not (APScheduler wrote 4 lines every 30 s per scheduler).
QUIET = ("apscheduler", "asyncio", "aiosqlite", "asyncpg", "httpx", "piccolo", "uvicorn.access")
_STANDARD = set(vars(logging.makeLogRecord({})))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def build_handler(log_format: str) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if log_format == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    return handler


def configure_logging(settings: Settings) -> None:
    # Piccolo warns (with colours, through `warnings`) before the driver's own error is raised:
    # the tracker reports that error itself, in one line.
    warnings.filterwarnings("ignore", message=".*Unable to connect to database", category=Warning)
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_tracker", False):
            root.removeHandler(old)
    handler = build_handler(settings.log_format)
    handler._tracker = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(settings.log_level_name)
    logging.getLogger("tracker").setLevel(settings.log_level_name)
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(settings.log_level_name)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(settings.log_level_name)))


def request_line(
    method: str, path: str, status: int, duration_ms: float, user: str, request_id: str, client: str = "-"
) -> str:
    return f"{method} {path} {status} {duration_ms:.1f}ms user={user} request_id={request_id} client={client}"


class RequestLogMiddleware:
    """Logs one line per HTTP request once the response has been sent, and echoes the request id.

    The id is the client's X-Request-ID when it sends a sane one (a proxy's), else a new one, and
    is returned in the response's X-Request-ID so a user's report can be matched to the log.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = logging.getLogger(REQUEST_LOG)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            duration = (time.perf_counter() - started) * 1000
            user = getattr(scope.get("user"), "id", None)
            path = str(scope.get("path", ""))
            client = str((scope.get("client") or ("-",))[0])
            method = str(scope.get("method", "-"))
            self.log.info(
                request_line(method, path, status, duration, str(user or "-"), request_id, client),
                extra={
                    "method": method,
                    "path": path,
                    "status": status,
                    "duration_ms": round(duration, 1),
                    "user_id": user,
                    "request_id": request_id,
                    "client": client,
                },
            )


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if 0 < len(text) <= 64 and all(c.isalnum() or c in "-_." for c in text):
                return text
    return secrets.token_hex(8)
