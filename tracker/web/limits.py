"""Request limits by route: how big a body may be, how many form fields it may hold and how deeply
its JSON may nest.

A refused request must cost less than an accepted one, so the size is refused on its
Content-Length (or while it streams in, when there is none) before anything is read, and fields and
nesting are counted on the raw bytes before any parser sees them. A 400,000-field form therefore
costs a header check, not 1.75 s of the event loop that every other request is waiting for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from litestar.exceptions import ClientException, HTTPException
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

MAX_BYTES = 256 * 1024  # forms and JSON: the largest real one (a return with every comment) is far under
MAX_FIELDS = 1_000  # a return has 16 indicators x 4 fields; a review queue one box per practice
JSON_MAX_DEPTH = 32  # a return document nests 3 deep

# Routes that take a file keep the upload limit (TRACKER_MAX_UPLOAD_BYTES); their services check
# the file itself (zip members, rows, cells). Named, so that a renamed route fails a test here.
UPLOAD_ROUTE_NAMES = frozenset({"review_workbook_upload", "funding_upload_post", "admin_catalogue_preview"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class TooLarge(HTTPException):
    status_code = 413


@dataclass(frozen=True)
class Limit:
    max_bytes: int
    max_fields: int | None  # None: not counted (uploads: the file's own checks apply)


def limit_for(route_name: str | None, upload_bytes: int) -> Limit:
    if route_name in UPLOAD_ROUTE_NAMES:
        return Limit(upload_bytes, None)
    return Limit(MAX_BYTES, MAX_FIELDS)


def count_form_fields(body: bytes, content_type: str) -> int:
    """The number of fields in a urlencoded or multipart body, counted on the raw bytes."""
    if content_type.lower().startswith("multipart/"):
        match = re.search(r'boundary="?([^";,]+)"?', content_type)
        return body.count(b"--" + match.group(1).encode("latin-1")) if match else 0
    if not body:
        return 0
    # Both separators: some parsers split on ";" too, and over-counting only refuses sooner.
    return body.count(b"&") + body.count(b";") + 1


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def nests_deeper_than(body: bytes, limit: int) -> bool:
    """Whether a JSON body nests more than `limit` deep (brackets outside strings), stopping as soon
    as it does. Malformed JSON is the parser's to refuse; this only bounds what it is given."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # it cannot nest deeper than it opens
    depth = 0
    for bracket in _BRACKETS.findall(_JSON_STRING.sub(b'""', body)):
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def check_body(body: bytes, content_type: str, limit: Limit) -> None:
    """Refuse a body that breaks the route's limits; say which, for a person or a program."""
    if limit.max_fields is None:
        return
    media = content_type.split(";")[0].strip().lower()
    if media in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if count_form_fields(body, content_type) > limit.max_fields:
            raise ClientException(f"A form may have at most {limit.max_fields:,} fields")
    elif media == "application/json" or media.endswith("+json"):
        if nests_deeper_than(body, JSON_MAX_DEPTH):
            raise ClientException(f"JSON may nest at most {JSON_MAX_DEPTH} deep")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                raise ClientException("The Content-Length header is not a number") from None
    return None


def _content_type(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return str(value.decode("latin-1"))
    return ""


class RequestLimitsMiddleware:
    """Reads the body of every unsafe request that is not an upload (they are small by rule),
    refusing it as soon as it breaks a limit, then hands the bytes on unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        handler: Any = scope.get("route_handler")
        settings = scope["app"].state.get("settings")
        upload_bytes = settings.max_upload_bytes if settings is not None else MAX_BYTES
        limit = limit_for(getattr(handler, "name", None), upload_bytes)
        length = _content_length(scope)
        if length is not None and length > limit.max_bytes:
            raise TooLarge(f"The request may be at most {limit.max_bytes // 1024:,} KB")
        if limit.max_fields is None:
            # Uploads stream on to Litestar, which stops at the app's (upload) body limit.
            await self.app(scope, receive, send)
            return
        body = await _read_at_most(receive, limit.max_bytes)
        check_body(body, _content_type(scope), limit)
        await self.app(scope, _replay(body, receive), send)


async def _read_at_most(receive: Receive, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away: the handler will find an empty body
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"The request may be at most {max_bytes // 1024:,} KB")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> ReceiveMessage:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect, as the server would

    return replay
