"""Administration for returns: API tokens for system suppliers, and lock exceptions."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from tracker.accounts.principal import Role
from tracker.returns import admin_service, api_service, service
from tracker.web.auth import roles
from tracker.web.dates import PARTS, read_date
from tracker.web.forms import FormErrors, client_ip, read_form

ADMIN = roles(Role.ADMIN)
ODS = re.compile(r"^[A-Z]\d{5}$")


def _actor(request: Request[Any, Any, Any]) -> service.Actor:
    return service.Actor(request.user.id, request.user.email, client_ip(request))


async def _tokens_page(request: Request[Any, Any, Any], **context: Any) -> Template:
    status_code = context.pop("status_code", 200)
    return Template(
        "returns/admin_tokens.html",
        context={"title": "API tokens", "tokens": await api_service.all_tokens(), "form": {}, **context},
        status_code=status_code,
    )


@get("/admin/api-tokens", opt=ADMIN, name="admin_api_tokens")
async def tokens(request: Request[Any, Any, Any]) -> Template:
    return await _tokens_page(request)


@post("/admin/api-tokens", opt=ADMIN, name="admin_api_token_issue")
async def issue(request: Request[Any, Any, Any]) -> Template:
    form = await read_form(request)
    name, organisation = form.get("name", "").strip(), form.get("organisation", "").strip()
    errors = FormErrors()
    if not name:
        errors.add("name", "Enter the name of the system supplier or system")
    elif len(name) > 200:
        errors.add("name", "Name must be 200 characters or fewer")
    if not organisation:
        errors.add("organisation", "Enter the ODS code of the practice or CCG the token is for")
    issued = None
    if not errors:
        issued = await api_service.issue(
            name, organisation, actor=_actor(request), now=request.app.state.settings.now()
        )
        if issued is None:
            errors.add("organisation", f"There is no practice or CCG with the code {organisation.upper()}")
    if errors:
        return await _tokens_page(request, errors=errors, form=form, status_code=422)
    assert issued is not None
    return await _tokens_page(request, new_token=issued[0], new_name=name, status_code=201)


@post("/admin/api-tokens/{token_id:int}/revoke", opt=ADMIN, name="admin_api_token_revoke")
async def revoke(request: Request[Any, Any, Any], token_id: FromPath[int]) -> Redirect:
    await api_service.revoke(token_id, actor=_actor(request), now=request.app.state.settings.now())
    return Redirect("/admin/api-tokens", status_code=303)


async def _exceptions_page(request: Request[Any, Any, Any], **context: Any) -> Template:
    status_code = context.pop("status_code", 200)
    today = request.app.state.settings.current_date()
    periods = await admin_service.periods()
    return Template(
        "returns/admin_exceptions.html",
        context={
            "title": "Lock exceptions",
            "exceptions": await admin_service.all_exceptions(),
            "period_items": [
                {
                    "value": p.code,
                    "text": p.code.replace("-", " ") + (" (locked)" if p.locks_on < today else ""),
                }
                for p in periods
            ],
            "form": {},
            "done": request.query_params.get("done", ""),
            **context,
        },
        status_code=status_code,
    )


@get("/admin/lock-exceptions", opt=ADMIN, name="admin_lock_exceptions")
async def exceptions(request: Request[Any, Any, Any]) -> Template:
    return await _exceptions_page(request)


@post("/admin/lock-exceptions", opt=ADMIN, name="admin_lock_exception_grant")
async def grant(request: Request[Any, Any, Any]) -> Template | Redirect:
    form = await read_form(request)
    today = request.app.state.settings.current_date()
    errors = FormErrors()
    codes = [c for c in re.split(r"[\s,;]+", form.get("practices", "").upper()) if c]
    bad = [c for c in codes if not ODS.match(c)]
    if not codes:
        errors.add("practices", "Enter the ODS code of at least one practice")
    elif bad:
        errors.add("practices", f"These are not practice codes (a letter and five digits): {', '.join(bad[:10])}")
    found: dict[str, int] = {}
    if codes and not bad:
        found = await admin_service.practice_ids(codes)
        unknown = [c for c in codes if c not in found]
        if unknown:
            errors.add("practices", f"There is no practice with the code {', '.join(unknown[:10])}")
    period = form.get("period", "")
    if period not in {p.code for p in await admin_service.periods()}:
        errors.add("period", "Select the period")
    until = read_date(form, "until", errors, label="Last day of the exception")
    if until is not None and until < today:
        errors.add_date("until", "The last day of the exception must be today or later", PARTS)
    reason = form.get("reason", "").strip()
    if not reason:
        errors.add("reason", "Enter the reason for the exception")
    if errors:
        return await _exceptions_page(request, errors=errors, form=form, status_code=422)
    assert until is not None
    count = await admin_service.grant(
        found, period, until, reason, actor=_actor(request), now=request.app.state.settings.now()
    )
    return Redirect(f"/admin/lock-exceptions?done={count}", status_code=303)


@post("/admin/lock-exceptions/{exception_id:int}/withdraw", opt=ADMIN, name="admin_lock_exception_withdraw")
async def withdraw(request: Request[Any, Any, Any], exception_id: FromPath[int]) -> Redirect:
    if not await admin_service.withdraw(exception_id, actor=_actor(request), now=request.app.state.settings.now()):
        raise NotFoundException()
    return Redirect("/admin/lock-exceptions", status_code=303)


ROUTES: list[Any] = [tokens, issue, revoke, exceptions, grant, withdraw]
