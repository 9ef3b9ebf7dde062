"""The JSON API for system suppliers: read a practice's returns, submit values.

Authenticated by bearer tokens (`Authorization: Bearer ptk_...`) that administrators issue for a
practice or a CCG; the same validation and lifecycle as the form. Session sign-in does not apply.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from litestar import Request, Response, get, put
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, JSONBody

from tracker.returns import api_service, service
from tracker.returns import calculations as calc
from tracker.returns.calculations import Entry

API = {"public": True, "api": True, "csrf_exempt": True}


async def bearer_guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        session = connection.scope.get("session") or {}
        if isinstance(session, dict) and session.get("account_id"):
            # A person signed in to the website: known, but the API is for system suppliers' tokens.
            raise PermissionDeniedException(
                "The API needs an API token: signing in to the website does not give access"
            )
        raise NotAuthorizedException("Send an API token: Authorization: Bearer <token>")
    row = await api_service.authenticate(token.strip())
    if row is None:
        raise NotAuthorizedException("The API token is not valid or has been revoked")
    connection.scope["api_token"] = row  # type: ignore[typeddict-unknown-key]


@dataclass
class ValueOut:
    indicator: str
    value: float | None
    numerator: int | None = None
    denominator: int | None = None
    comment: str = ""


@dataclass
class ReturnSummary:
    period: str
    state: str  # not_started | draft | submitted | approved | returned
    version: int
    submitted_at: dt.datetime | None = None
    first_submitted_at: dt.datetime | None = None
    returned_reason: str = ""


@dataclass
class ReturnList:
    practice: str
    returns: list[ReturnSummary]


@dataclass
class ReturnDocument:
    practice: str
    period: str
    state: str
    version: int
    editable: bool
    values: list[ValueOut]
    warnings: dict[str, str] = field(default_factory=dict)
    returned_reason: str = ""


@dataclass
class ValueIn:
    """One indicator's value. Yes/no indicators take "yes"/"no" (or 1/0); percentages 0-100,
    or numerator and denominator (the percentage is then computed)."""

    indicator: str
    value: float | str | None = None
    numerator: int | None = None
    denominator: int | None = None
    comment: str = ""


@dataclass
class ReturnSubmission:
    """Values to save. `version` is the version you read (0 for a return not started): a stale
    version is refused with 409. `submit` true submits the return (it must then be complete)."""

    version: int
    values: list[ValueIn]
    submit: bool = False


@dataclass
class ApiError:
    status_code: int
    detail: str
    errors: dict[str, str] = field(default_factory=dict)


async def _practice(request: Request[Any, Any, Any], ods_code: str) -> dict[str, Any]:
    practice = await service.practice_by_code(ods_code)
    token = request.scope["api_token"]  # type: ignore[typeddict-item]
    allowed = token["practice"] == practice["id"] or (token["ccg"] is not None and token["ccg"] == practice["ccg"])
    if not allowed:
        raise PermissionDeniedException("This API token is not for this practice")
    return practice


def _document(ctx: service.ReturnContext, today: dt.date, warnings: dict[str, str] | None = None) -> ReturnDocument:
    values = []
    for s in ctx.specs:
        e = ctx.entries.get(s.code) or Entry()
        values.append(ValueOut(s.code, e.value, e.numerator, e.denominator, e.comment))
    return ReturnDocument(
        practice=ctx.practice["ods_code"],
        period=ctx.period["code"],
        state=ctx.state or "not_started",
        version=ctx.version,
        editable=calc.practice_may_edit(ctx.state, ctx.window, today, ctx.exception_until) is None,
        values=values,
        warnings=warnings or {},
        returned_reason=ctx.row["returned_reason"] if ctx.row else "",
    )


@get("/api/v1/practices/{ods_code:str}/returns", opt=API, guards=[bearer_guard], name="api_returns", tags=["Returns"])
async def list_returns(request: Request[Any, Any, Any], ods_code: FromPath[str]) -> ReturnList:
    """Every period that has opened, newest first, with the state and version of this practice's return."""
    practice = await _practice(request, ods_code)
    rows = await service.practice_returns(practice["id"], request.app.state.settings.current_date(), limit=100)
    return ReturnList(
        practice=practice["ods_code"],
        returns=[
            ReturnSummary(
                period=r["code"],
                state=r["state"] or "not_started",
                version=r["version"] or 0,
                submitted_at=r["submitted_at"],
                first_submitted_at=r["first_submitted_at"],
                returned_reason=r["returned_reason"] or "",
            )
            for r in rows
        ],
    )


@get(
    "/api/v1/practices/{ods_code:str}/returns/{period_code:str}",
    opt=API,
    guards=[bearer_guard],
    name="api_return",
    tags=["Returns"],
)
async def get_return(
    request: Request[Any, Any, Any], ods_code: FromPath[str], period_code: FromPath[str]
) -> ReturnDocument:
    """One return with every indicator's value. Period codes are written like 2017-18-Q4."""
    practice = await _practice(request, ods_code)
    period = await service.period_from_url(period_code)
    ctx = await service.load_context(practice, period, with_last_change=False)
    return _document(ctx, request.app.state.settings.current_date())


@put(
    "/api/v1/practices/{ods_code:str}/returns/{period_code:str}",
    opt=API,
    guards=[bearer_guard],
    name="api_return_save",
    tags=["Returns"],
    status_code=200,
)
async def save_return(
    request: Request[Any, Any, Any],
    ods_code: FromPath[str],
    period_code: FromPath[str],
    data: JSONBody[ReturnSubmission],
) -> Response[ReturnDocument | ApiError]:
    """Save values as a draft, or submit them. Indicators not sent keep no value (send them all).

    422: the values are wrong (errors by field, as on the form); 409: someone saved since the version
    you read, or the return cannot change (submitted, approved, or the period is locked)."""
    practice = await _practice(request, ods_code)
    period = await service.period_from_url(period_code)
    settings = request.app.state.settings
    ctx = await service.load_context(practice, period, with_last_change=False)
    known = {s.code for s in ctx.specs}
    raw: dict[str, dict[str, str]] = {}
    errors: dict[str, str] = {}
    for v in data.values:
        if v.indicator not in known:
            errors[v.indicator] = f"{v.indicator} is not an indicator of the return"
            continue
        value = v.value
        text = "" if value is None else (value if isinstance(value, str) else f"{value:g}")
        raw[v.indicator] = {
            "value": text,
            "numerator": "" if v.numerator is None else str(v.numerator),
            "denominator": "" if v.denominator is None else str(v.denominator),
            "comment": v.comment,
        }
    checked = calc.check_return(ctx.specs, raw, ctx.previous_values, submitting=data.submit)
    errors.update(checked.errors)
    if errors:
        return Response(ApiError(422, "The values are not valid", errors), status_code=422)
    token = request.scope["api_token"]  # type: ignore[typeddict-item]
    actor = service.Actor(
        None, f"api-token:{token['id']}:{token['name']}", request.client.host if request.client else ""
    )
    result = await service.save(
        ctx,
        checked.entries,
        version=data.version,
        submit=data.submit,
        actor=actor,
        now=settings.now(),
        today=settings.current_date(),
    )
    fresh = await service.load_context(practice, period, with_last_change=False)
    if result.conflict:
        return Response(
            ApiError(
                409, f"The return changed since version {data.version}: read it again (now version {fresh.version})"
            ),
            status_code=409,
        )
    if not result.ok:
        return Response(ApiError(409, result.refused), status_code=409)
    return Response(_document(fresh, settings.current_date(), checked.warnings), status_code=200)


ROUTES: list[Any] = [list_returns, get_return, save_return]
