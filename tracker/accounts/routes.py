"""Sign in and sign out."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlsplit

from litestar import Request, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from tracker.accounts import service
from tracker.web.auth import ANY_SIGNED_IN, PUBLIC, SESSION_ACCOUNT, SESSION_STARTED
from tracker.web.forms import FormErrors, client_ip, read_form
from tracker.web.sessions import renew_session_id


def _safe_next(target: str | None) -> str:
    """Only ever send people on to a page of this site (no open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@get("/sign-in", opt=PUBLIC, name="sign_in")
async def sign_in_page(
    request: Request[Any, Any, Any], next_: Annotated[str | None, QueryParameter(name="next")] = None
) -> Template:
    return Template("accounts/sign_in.html", context={"next": _safe_next(next_), "form": {}, "errors": FormErrors()})


@post("/sign-in", opt=PUBLIC)
async def sign_in(request: Request[Any, Any, Any]) -> Template | Redirect:
    form = await read_form(request)
    errors = FormErrors()
    email = form.get("email", "").strip()
    password = form.get("password", "")
    if not email:
        errors.add("email", "Enter your email address")
    elif "@" not in email or len(email) > 320:
        errors.add("email", "Enter an email address in the correct format, like name@nhs.net")
    if not password:
        errors.add("password", "Enter your password")
    if not errors:
        result = await service.sign_in(email, password[:500], client_ip(request))
        if result.principal is not None:
            # A fresh session id at sign-in: a session fixed before sign-in is worth nothing.
            renew_session_id(request)
            request.set_session(
                {SESSION_ACCOUNT: result.principal.id, SESSION_STARTED: dt.datetime.now(dt.UTC).isoformat()}
            )
            return Redirect(_safe_next(form.get("next")), status_code=303)
        if result.locked_until is not None:
            errors.add(
                "email",
                "This account is locked for 15 minutes after too many attempts to sign in. "
                "Try again later, or reset your password.",
            )
        else:
            errors.add("email", "The email address or password is not right")
    return Template(
        "accounts/sign_in.html",
        context={"next": _safe_next(form.get("next")), "form": {"email": email}, "errors": errors},
        status_code=422,
    )


@post("/sign-out", opt=ANY_SIGNED_IN)
async def sign_out(request: Request[Any, Any, Any]) -> Redirect:
    request.clear_session()
    return Redirect("/sign-in", status_code=303)


ROUTES: list[Any] = [sign_in_page, sign_in, sign_out]
