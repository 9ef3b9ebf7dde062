"""The JSON API for system suppliers: read a practice's returns, submit values.

Authenticated by bearer tokens (`Authorization: Bearer ptk_...`) that administrators issue for a
practice or a CCG; the same validation and lifecycle as the form. Session sign-in does not apply.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import msgspec
from litestar import Request, Response, get, patch, put
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Components, SecurityScheme
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
    client = await api_service.authenticate(token.strip())
    if client is None:
        raise NotAuthorizedException("The API token is not valid or has been revoked")
    connection.scope["api_token"] = client  # type: ignore[typeddict-unknown-key]


def api_client(connection: ASGIConnection[Any, Any, Any, Any]) -> api_service.ApiClient:
    """Who the request's API token is for, as `bearer_guard` found it."""
    client = connection.scope.get("api_token")
    if not isinstance(client, api_service.ApiClient):
        # Only a handler without `bearer_guard` gets here: refuse rather than serve it unauthenticated.
        raise NotAuthorizedException("Send an API token: Authorization: Bearer <token>")
    return client


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
class Problem:
    """An error, as RFC 9457 problem details (application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    status_code: int  # the same as status, kept for clients written before problem details
    errors: dict[str, str] = field(default_factory=dict)  # by field, as on the form
    missing: list[str] = field(default_factory=list)  # indicators a PUT left out


BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]
# The scheme the API operations name, for the OpenAPI document's components.
COMPONENTS = Components(
    security_schemes={
        "BearerToken": SecurityScheme(
            type="http",
            scheme="bearer",
            description="An API token issued by an administrator: `Authorization: Bearer ptk_...`",
        )
    }
)


PROBLEM = "application/problem+json"
SAVE_RESPONSES = {
    400: ResponseSpec(Problem, description="A parameter or the body is not of the documented form", media_type=PROBLEM),
    401: ResponseSpec(Problem, description="No API token, or one that is not valid or revoked", media_type=PROBLEM),
    403: ResponseSpec(Problem, description="The token is not for this practice", media_type=PROBLEM),
    404: ResponseSpec(Problem, description="No such practice or period", media_type=PROBLEM),
    409: ResponseSpec(
        Problem,
        description="The return changed since the version you read (type .../conflict), the period is locked "
        "(.../locked) or the return cannot change in its state (.../state)",
        media_type=PROBLEM,
    ),
    422: ResponseSpec(
        Problem, description="Values not valid (errors by field), or a PUT missing indicators", media_type=PROBLEM
    ),
}
READ_RESPONSES = {k: v for k, v in SAVE_RESPONSES.items() if k in (400, 401, 403, 404)}


async def _practice(request: Request[Any, Any, Any], ods_code: str) -> service.PracticeRow:
    practice = await service.practice_by_code(ods_code)
    client = api_client(request)
    allowed = client.practice_id == practice.id or (client.ccg_id is not None and client.ccg_id == practice.ccg)
    if not allowed:
        raise PermissionDeniedException("This API token is not for this practice")
    return practice


def _document(ctx: service.ReturnContext, today: dt.date, warnings: dict[str, str] | None = None) -> ReturnDocument:
    values = []
    for s in ctx.specs:
        e = ctx.entries.get(s.code) or Entry()
        values.append(ValueOut(s.code, e.value, e.numerator, e.denominator, e.comment))
    return ReturnDocument(
        practice=ctx.practice.ods_code,
        period=calc.url_code(ctx.period["code"]),
        state=ctx.state or "not_started",
        version=ctx.version,
        editable=calc.practice_may_edit(ctx.state, ctx.window, today, ctx.exception_until) is None,
        values=values,
        warnings=warnings or {},
        returned_reason=ctx.row.returned_reason if ctx.row else "",
    )


@get(
    "/api/v1/practices/{ods_code:str}/returns",
    opt=API,
    guards=[bearer_guard],
    name="api_returns",
    tags=["Returns"],
    responses=READ_RESPONSES,
    security=BEARER,
)
async def list_returns(request: Request[Any, Any, Any], ods_code: FromPath[str]) -> ReturnList:
    """Every period that has opened, newest first, with the state and version of this practice's return."""
    practice = await _practice(request, ods_code)
    rows = await service.practice_returns(practice.id, request.app.state.settings.current_date(), limit=100)
    return ReturnList(
        practice=practice.ods_code,
        returns=[
            ReturnSummary(
                period=calc.url_code(r.code),
                state=r.state or "not_started",
                version=r.version or 0,
                submitted_at=r.submitted_at,
                first_submitted_at=r.first_submitted_at,
                returned_reason=r.returned_reason or "",
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
    responses=READ_RESPONSES,
    security=BEARER,
)
async def get_return(
    request: Request[Any, Any, Any], ods_code: FromPath[str], period_code: FromPath[str]
) -> ReturnDocument:
    """One return with every indicator's value. Period codes are written like 2017-18-Q4."""
    practice = await _practice(request, ods_code)
    period = await service.period_from_url(period_code)
    ctx = await service.load_context(practice, period, with_last_change=False)
    return _document(ctx, request.app.state.settings.current_date())


def problem(status: int, kind: str, title: str, detail: str, **extra: Any) -> Response[Problem]:
    """An RFC 9457 problem document."""
    body = Problem(
        type=f"https://paperless-tracker.nhs.test/problems/{kind}",
        title=title,
        status=status,
        detail=detail,
        status_code=status,
        errors=extra.get("errors") or {},
        missing=extra.get("missing") or [],
    )
    return Response(body, status_code=status, media_type=PROBLEM)


async def _save(
    request: Request[Any, Any, Any], ods_code: str, period_code: str, data: ReturnSubmission, *, partial: bool
) -> Response[Any]:
    try:
        # The framework's conversion is lax ("1" or 0 pass for a boolean); the document's types are the contract.
        msgspec.convert(await request.json(), ReturnSubmission, strict=True)
    except msgspec.ValidationError as exc:
        return problem(400, "malformed", "The body is not of the documented form", str(exc))
    practice = await _practice(request, ods_code)
    period = await service.period_from_url(period_code)
    settings = request.app.state.settings
    ctx = await service.load_context(practice, period, with_last_change=False)
    known = {s.code for s in ctx.specs}
    sent, repeated = calc.raw_from_api(data.values)
    errors = {code: f"{code} is not an indicator of the return" for code in sent if code not in known}
    errors.update({code: f"{code} is sent more than once" for code in repeated})
    if not partial:
        missing = [s.code for s in ctx.specs if s.code not in sent]
        if missing:
            return problem(
                422,
                "incomplete",
                "The return is incomplete",
                "PUT replaces the whole return: send every indicator (an empty value as null), "
                "or use PATCH to change only some. Missing: " + ", ".join(missing),
                missing=missing,
            )
    raw: dict[str, dict[str, Any]] = dict(calc.raw_from_entries(ctx.specs, ctx.entries)) if partial else {}
    raw.update({code: fields for code, fields in sent.items() if code in known})
    checked = calc.check_return(ctx.specs, raw, ctx.previous_values, submitting=data.submit)
    errors.update(checked.errors)
    if errors:
        return problem(422, "invalid", "The values are not valid", "Correct the values listed in errors", errors=errors)
    client = api_client(request)
    actor = service.Actor(None, f"api-token:{client.id}:{client.name}", request.client.host if request.client else "")
    # PATCH writes only what was sent: the lifecycle compares with what is stored.
    entries = {c: checked.entries[c] for c in sent if c in checked.entries} if partial else checked.entries
    result = await service.save(
        ctx,
        entries,
        version=data.version,
        submit=data.submit,
        actor=actor,
        now=settings.now(),
        today=settings.current_date(),
        source="api",
    )
    fresh = await service.load_context(practice, period, with_last_change=False)
    if result.locked:
        return problem(409, "locked", "The period is locked", result.refused)
    if result.conflict:
        return problem(
            409,
            "conflict",
            "The return changed",
            f"The return changed since version {data.version}: read it again (now version {fresh.version})",
        )
    if not result.ok:
        return problem(409, "state", "The return cannot change now", result.refused)
    return Response(_document(fresh, settings.current_date(), checked.warnings), status_code=200)


@put(
    "/api/v1/practices/{ods_code:str}/returns/{period_code:str}",
    opt=API,
    guards=[bearer_guard],
    name="api_return_save",
    tags=["Returns"],
    status_code=200,
    responses=SAVE_RESPONSES,
    security=BEARER,
)
async def save_return(
    request: Request[Any, Any, Any],
    ods_code: FromPath[str],
    period_code: FromPath[str],
    data: JSONBody[ReturnSubmission],
) -> Response[Any]:
    """Replace the return's values as a draft, or submit them. Send EVERY indicator: a body missing
    any is refused (422, listing them); to change only some, use PATCH."""
    return await _save(request, ods_code, period_code, data, partial=False)


@patch(
    "/api/v1/practices/{ods_code:str}/returns/{period_code:str}",
    opt=API,
    guards=[bearer_guard],
    name="api_return_patch",
    tags=["Returns"],
    status_code=200,
    responses=SAVE_RESPONSES,
    security=BEARER,
)
async def patch_return(
    request: Request[Any, Any, Any],
    ods_code: FromPath[str],
    period_code: FromPath[str],
    data: JSONBody[ReturnSubmission],
) -> Response[Any]:
    """Change only the indicators sent (each one sent replaces that indicator's value, numerator,
    denominator and comment); every other value is kept. `submit` true also submits the return."""
    return await _save(request, ods_code, period_code, data, partial=True)


ROUTES: list[Any] = [list_returns, get_return, save_return, patch_return]
