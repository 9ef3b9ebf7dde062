"""Sign in, sign out (here or everywhere), forgotten passwords and setting a password from a link."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from litestar import Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from tracker import clock
from tracker.accounts import service, tokens_service
from tracker.accounts.passwords import password_problem
from tracker.accounts.validation import email_problem
from tracker.web.auth import ANY_SIGNED_IN, PUBLIC, SESSION_ACCOUNT, SESSION_STARTED
from tracker.web.forms import FormErrors, client_ip, read_form
from tracker.web.sessions import renew_session_id


def _safe_next(target: str | None) -> str:
    """Only ever send people on to a page of this site (no open redirect)."""
    if not target or len(target) > 2000:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(c) < 32 for c in target):
        return "/"
    return target


def _sign_in_page(next_: str, email: str, errors: FormErrors, status: int = 200, notice: str = "") -> Template:
    return Template(
        "accounts/sign_in.html",
        context={"next": _safe_next(next_), "form": {"email": email}, "errors": errors, "notice": notice},
        status_code=status,
    )


NOTICES = {
    "signed-out": "You have signed out.",
    "signed-out-everywhere": "You have signed out on every device.",
    "password-set": "Your password is set. Sign in with it now.",
}


@get("/sign-in", opt=PUBLIC, name="sign_in")
async def sign_in_page(
    request: Request[Any, Any, Any],
    next_: Annotated[str | None, QueryParameter(name="next", required=False)] = None,
    done: Annotated[str, QueryParameter(required=False, max_length=40)] = "",
) -> Template:
    return _sign_in_page(next_ or "/", "", FormErrors(), notice=NOTICES.get(done, ""))


@post("/sign-in", opt=PUBLIC)
async def sign_in(request: Request[Any, Any, Any]) -> Template | Redirect:
    form = await read_form(request)
    errors = FormErrors()
    email = form.get("email", "").strip()[:400]
    password = form.get("password", "")
    problem = email_problem(email)
    if problem:
        errors.add("email", problem)
    if not password:
        errors.add("password", "Enter your password")
    if errors:
        return _sign_in_page(form.get("next", "/"), email, errors, 422)
    settings = request.app.state.settings
    result = await service.sign_in(email, password[:500], client_ip(request), demo_mode=settings.demo)
    if result.principal is not None:
        # A fresh session id at sign-in: a session fixed before sign-in is worth nothing.
        renew_session_id(request)
        request.set_session({SESSION_ACCOUNT: result.principal.id, SESSION_STARTED: clock.now().isoformat()})
        return Redirect(_safe_next(form.get("next")), status_code=303)
    if result.lock is not None:
        minutes = result.lock.minutes_left()
        wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
        if result.lock.kind == "account":
            errors.add(
                "email",
                f"There have been too many attempts to sign in with this email address. It is locked for {wait}. "
                "Try again then, or reset your password.",
            )
        else:
            errors.add(
                "email",
                f"There have been too many attempts to sign in from your network. Try again in {wait}.",
            )
        return _sign_in_page(form.get("next", "/"), email, errors, 429)
    if result.disabled:
        errors.add("email", "This account has been disabled. Ask your CCG's GP IT lead or an administrator.")
    else:
        errors.add("email", "The email address or password is not right")
    return _sign_in_page(form.get("next", "/"), email, errors, 422)


@post("/sign-out", opt=ANY_SIGNED_IN, name="sign_out")
async def sign_out(request: Request[Any, Any, Any]) -> Redirect:
    await service.record_sign_out(request.user, client_ip(request))
    request.clear_session()
    return Redirect("/sign-in?done=signed-out", status_code=303)


@get("/account", opt=ANY_SIGNED_IN, name="account")
async def account_page(request: Request[Any, Any, Any]) -> Template:
    return Template("accounts/account.html", context={"title": "Your account"})


@post("/account/sign-out-everywhere", opt=ANY_SIGNED_IN, name="sign_out_everywhere")
async def sign_out_everywhere(request: Request[Any, Any, Any]) -> Redirect:
    await service.sign_out_everywhere(request.user, client_ip(request))
    request.clear_session()
    return Redirect("/sign-in?done=signed-out-everywhere", status_code=303)


@get("/forgot-password", opt=PUBLIC, name="forgot_password")
async def forgot_password_page(request: Request[Any, Any, Any]) -> Template:
    return Template("accounts/forgot_password.html", context={"form": {}, "errors": FormErrors()})


@post("/forgot-password", opt=PUBLIC)
async def forgot_password(request: Request[Any, Any, Any]) -> Template | Redirect:
    form = await read_form(request)
    email = form.get("email", "").strip()[:400]
    errors = FormErrors()
    problem = email_problem(email)
    if problem:
        errors.add("email", problem)
        return Template(
            "accounts/forgot_password.html", context={"form": {"email": email}, "errors": errors}, status_code=422
        )
    settings = request.app.state.settings
    # The same answer, at the same moment, whether or not there is an account for this email: the
    # look-up and the email happen after the response has gone, so its timing says nothing.
    reset = BackgroundTask(
        tokens_service.request_reset, email, settings.base_url, client_ip(request), demo_mode=settings.demo
    )
    return Redirect("/forgot-password/sent", status_code=303, background=reset)


@get("/forgot-password/sent", opt=PUBLIC, name="forgot_password_sent")
async def forgot_password_sent(request: Request[Any, Any, Any]) -> Template:
    return Template("accounts/forgot_password_sent.html", context={"title": "Check your email"})


def _set_password_page(token: str, info: Any, errors: FormErrors, problem: str = "", status: int = 200) -> Template:
    return Template(
        "accounts/set_password.html",
        context={"token": token, "info": info, "errors": errors, "problem": problem},
        status_code=status,
    )


@get("/set-password/{token:str}", opt=PUBLIC, name="set_password")
async def set_password_page(request: Request[Any, Any, Any], token: FromPath[str]) -> Template:
    try:
        info = await tokens_service.check(token)
    except tokens_service.TokenError as exc:
        return _set_password_page(token, None, FormErrors(), str(exc), 410)
    return _set_password_page(token, info, FormErrors())


@post("/set-password/{token:str}", opt=PUBLIC)
async def set_password(request: Request[Any, Any, Any], token: FromPath[str]) -> Template | Redirect:
    form = await read_form(request)
    try:
        info = await tokens_service.check(token)
    except tokens_service.TokenError as exc:
        return _set_password_page(token, None, FormErrors(), str(exc), 410)
    password = form.get("password", "")
    confirm = form.get("confirm", "")
    errors = FormErrors()
    if not password:
        errors.add("password", "Enter a password")
    else:
        problem = password_problem(password, info.email)
        if problem:
            errors.add("password", problem)
        elif confirm != password:
            errors.add("confirm", "The passwords do not match")
    if errors:
        return _set_password_page(token, info, errors, status=422)
    try:
        await tokens_service.set_password(token, password, client_ip(request))
    except tokens_service.TokenError as exc:
        return _set_password_page(token, None, FormErrors(), str(exc), 410)
    request.clear_session()
    return Redirect("/sign-in?done=password-set", status_code=303)


def _all_routes() -> list[Any]:
    from tracker.accounts import admin_routes, contacts_routes
    from tracker.audit import routes as audit_routes

    return [
        sign_in_page,
        sign_in,
        sign_out,
        account_page,
        sign_out_everywhere,
        forgot_password_page,
        forgot_password,
        forgot_password_sent,
        set_password_page,
        set_password,
        *contacts_routes.ROUTES,
        *admin_routes.ROUTES,
        *audit_routes.ROUTES,
    ]


ROUTES: list[Any] = _all_routes()
