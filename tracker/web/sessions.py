"""Server-side sessions whose id is renewed at sign-in (so a session id planted before sign-in is
worth nothing afterwards)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig

RENEW_FLAG = "_renew_session_id"


def renew_session_id(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Ask for a fresh session id when this response's session is stored."""
    connection.scope[RENEW_FLAG] = True  # type: ignore[literal-required]


class RenewingSessionBackend(ServerSideSessionBackend):
    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        if connection.scope.get(RENEW_FLAG):
            renewed = connection.scope.get("_renewed_session_id")
            if not renewed:
                renewed = self.generate_session_id()
                connection.scope["_renewed_session_id"] = renewed  # type: ignore[typeddict-unknown-key]
            return str(renewed)
        return super().get_session_id(connection)

    async def store_in_message(
        self, scope_session: Any, message: Any, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        if connection.scope.get(RENEW_FLAG):
            old = connection.cookies.get(self.config.key)
            if old and old != "null":
                await self.delete(old, store=self.config.get_store_from_app(connection.scope["app"]))
        await super().store_in_message(scope_session, message, connection)


@dataclass
class RenewingSessionConfig(ServerSideSessionConfig):
    _backend_class = RenewingSessionBackend  # type: ignore[assignment]
