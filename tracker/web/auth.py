"""Authentication (who is signed in) and the app-wide role guard (may they use this route at all).

Every route handler declares its access in `opt`: either `public=True` or `roles=(...)`. The guard
fails closed, so a route added without a decision refuses everyone and the route matrix test
names it. Record-level checks (this practice, that CCG) are the policy's, in the services.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from tracker import clock
from tracker.accounts import service as accounts
from tracker.accounts.principal import Principal, Role

PUBLIC: dict[str, Any] = {"public": True}
SESSION_ACCOUNT = "account_id"
SESSION_STARTED = "signed_in_at"


def roles(*allowed: Role) -> dict[str, Any]:
    """The `opt` of a handler that these roles may use: `@get("/x", opt=roles(Role.CCG))`."""
    return {"roles": tuple(allowed)}


ANY_SIGNED_IN = roles(*Role)


async def principal_from_session(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The signed-in principal of this request's session; NotAuthorizedException if there is none
    (no session, past its absolute limit, or an account gone, disabled or signed out everywhere)."""
    raw = connection.scope.get("session")
    session: dict[str, Any] = raw if isinstance(raw, dict) else {}
    account_id = session.get(SESSION_ACCOUNT)
    started = session.get(SESSION_STARTED)
    if not isinstance(account_id, int) or not isinstance(started, str):
        raise NotAuthorizedException("Sign in to use the tracker")
    limit = connection.app.state.get("session_absolute_limit", SessionAuthenticationMiddleware.absolute_limit)
    if clock.now() - dt.datetime.fromisoformat(started) > limit:
        connection.scope["session"] = {}
        raise NotAuthorizedException("Your session has ended: sign in again")
    principal = await accounts.load_principal(account_id, signed_in_at=dt.datetime.fromisoformat(started))
    if principal is None:
        connection.scope["session"] = {}
        raise NotAuthorizedException("Sign in to use the tracker")
    return principal


class SessionAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    absolute_limit = dt.timedelta(hours=12)

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        return AuthenticationResult(user=await principal_from_session(connection), auth=None)


async def role_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    # Async although it never waits: Litestar runs a plain function guard in a worker thread, a
    # thread hop (and a wait for the interpreter lock) on every request.
    if handler.opt.get("public") or handler.opt.get("api"):
        return
    if connection.scope["path"].startswith("/schema"):
        return
    allowed = handler.opt.get("roles")
    user = connection.scope.get("user")
    if allowed is None or not isinstance(user, Principal) or user.role not in allowed:
        raise PermissionDeniedException("You do not have access to this page")
