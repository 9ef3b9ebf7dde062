"""Server-side sessions that are stored only when there is something in them and only written when
they change.

- An anonymous visitor has an empty session: nothing is stored and no cookie is set, so traffic
  that never signs in (and anyone scripting it) adds no rows. The CSRF token of the sign-in form
  lives in its own cookie, not in the session.
- A signed-in session is written when its data changes, and otherwise only to push its idle
  expiry on, at most once a minute: a page view is a read, not a write. The cookie is sent with
  each write, so the browser's copy expires with the stored session.
- The session id is renewed at sign-in, so an id planted before sign-in is worth nothing after.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty
from litestar.utils.dataclass import extract_dataclass_items

from tracker import clock
from tracker.web.stores import DatabaseStore

RENEW_FLAG = "_renew_session_id"
LOADED = "_session_loaded"  # (stored bytes, expiry) of the session this request arrived with
RENEW_EVERY = dt.timedelta(minutes=1)
MAX_ID_LENGTH = 128


def renew_session_id(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Ask for a fresh session id when this response's session is stored."""
    connection.scope[RENEW_FLAG] = True  # type: ignore[literal-required]


def needs_writing(data: bytes, loaded: tuple[bytes, dt.datetime | None] | None, max_age: int, now: dt.datetime) -> bool:
    """Whether a session must be written: it is new or changed, or its expiry was last pushed on
    more than RENEW_EVERY ago."""
    if loaded is None or loaded[0] != data or loaded[1] is None:
        return True
    written_at = loaded[1] - dt.timedelta(seconds=max_age)
    return now - written_at >= RENEW_EVERY


class RenewingSessionBackend(ServerSideSessionBackend):
    def _cookie_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        found = connection.cookies.get(self.config.key) or ""
        return "" if found == "null" or len(found) > MAX_ID_LENGTH else found

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        if connection.scope.get(RENEW_FLAG):
            renewed = connection.scope.get("_renewed_session_id")
            if not renewed:
                renewed = self.generate_session_id()
                connection.scope["_renewed_session_id"] = renewed  # type: ignore[typeddict-unknown-key]
            return str(renewed)
        return super().get_session_id(connection)

    async def load_from_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
        session_id = self._cookie_id(connection)
        if not session_id:
            return {}
        store = self.config.get_store_from_app(connection.scope["app"])
        found: tuple[bytes, dt.datetime | None] | None
        if isinstance(store, DatabaseStore):
            found = await store.get_with_expiry(session_id)
        else:  # another store (a test's memory store): no expiry to compare, so always written
            data = await store.get(session_id)
            found = None if data is None else (data, None)
        if found is None:
            return {}
        connection.scope[LOADED] = found  # type: ignore[literal-required]
        return self.deserialize_data(found[0])

    async def store_in_message(
        self, scope_session: Any, message: Any, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        scope = connection.scope
        store = self.config.get_store_from_app(scope["app"])
        headers = MutableScopeHeaders.from_message(message)
        old_id = self._cookie_id(connection)
        renewing = bool(scope.get(RENEW_FLAG))
        if old_id and (renewing or scope_session is Empty or not scope_session):
            await self.delete(old_id, store=store)
        if scope_session is Empty or not scope_session:
            if old_id:  # tell the browser to forget it; a visitor who never had one gets nothing
                headers.add(
                    "Set-Cookie",
                    Cookie(value="null", key=self.config.key, expires=0, **self._cookie_params()).to_header(header=""),
                )
            return
        session_id = self.get_session_id(connection)
        data = self.serialize_data(scope_session, scope)
        loaded: Any = None if renewing else scope.get(LOADED)
        if not needs_writing(data, loaded, int(self.config.max_age), clock.now()):
            return  # the browser's cookie already lasts as long as the stored session
        await self.set(session_id=session_id, data=data, store=store)
        if renewing and isinstance(store, DatabaseStore):
            await store.sweep()  # a new session: the moment to drop expired and surplus ones
        headers.add(
            "Set-Cookie", Cookie(value=session_id, key=self.config.key, **self._cookie_params()).to_header(header="")
        )

    def _cookie_params(self) -> dict[str, Any]:
        return dict(extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys()))


@dataclass
class RenewingSessionConfig(ServerSideSessionConfig):
    _backend_class = RenewingSessionBackend  # type: ignore[assignment]
