"""CCG review: the queue, approve or return (one or many), and the practices x periods grid."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.exceptions import ClientException, PermissionDeniedException
from litestar.response import Redirect, Template

from tracker.accounts.principal import Role
from tracker.feeds import service as feed_service
from tracker.indicators import service as indicators
from tracker.returns import chase_service, presenters, review_checks, review_presenters, review_service, service
from tracker.web.auth import roles
from tracker.web.forms import FormErrors, client_ip, read_form_lists

REASON_MAX = 1000


async def _queue_page(
    request: Request[Any, Any, Any],
    errors: FormErrors | None = None,
    reason: str = "",
    status_code: int = 200,
    selected: list[int] | None = None,
) -> Template:
    user = request.user
    rows = await review_service.queue(user.ccg_id)
    flags = await feed_service.differences(await review_service.submitted_values([r["id"] for r in rows]))
    seen = await review_service.glance(rows, user.ccg_id)
    shown = presenters.review_rows(rows, flags, {i.code: i.name for i in await indicators.active_indicators()})
    for row in shown:
        row["glance"] = review_presenters.glance_view(seen.get(row["id"], []))
    params = request.query_params
    return Template(
        "review/queue.html",
        context={
            "title": "Returns to review",
            "rows": shown,
            "limits": review_checks.LIMITS,
            "selected": {str(i) for i in selected or []},
            "errors": errors,
            "reason": reason,
            "done": params.get("done", ""),
            "count": params.get("count", ""),
        },
        status_code=status_code,
    )


@get("/review", opt=roles(Role.CCG), name="review")
async def review(request: Request[Any, Any, Any]) -> Template:
    return await _queue_page(request)


@post("/review/decisions", opt=roles(Role.CCG), name="review_decide")
async def decide(request: Request[Any, Any, Any]) -> Template | Redirect:
    form = await read_form_lists(request)
    decision = (form.get("decision") or [""])[-1]
    reason = (form.get("reason") or [""])[-1].strip()
    back = (form.get("next") or ["/review"])[-1]
    if not back.startswith("/") or back.startswith("//"):
        back = "/review"
    ids: list[int] = []
    if decision == "approve-all":
        # "Approve all" without JavaScript: the returns the page listed, not whatever came in since.
        decision = "approve"
        form["return_id"] = form.get("listed_id", [])
    for value in form.get("return_id", []):
        if value.isdigit():
            ids.append(int(value))
    errors = FormErrors()
    if decision not in ("approve", "return", "reopen"):
        errors.add("decision", "Choose whether to approve the returns or return them to the practices")
    if not ids:
        errors.add("return-ids", "Select at least one return")
    if decision == "return" and not reason:
        errors.add("reason", "Enter the reason for returning the return to the practice")
    if decision == "reopen" and not reason:
        errors.add("reason", "Enter what the practice should correct")
    if len(reason) > REASON_MAX:
        errors.add("reason", f"Reason must be {REASON_MAX:,} characters or fewer")
    if errors:
        return await _queue_page(request, errors, reason, status_code=422, selected=ids)
    settings = request.app.state.settings
    result = await review_service.decide(
        ids,
        approve=decision == "approve",
        reopen=decision == "reopen",
        reason=reason,
        user=request.user,
        actor=service.Actor(request.user.id, request.user.email, client_ip(request)),
        now=settings.now(),
        today=settings.current_date(),
        base_url=settings.base_url,
    )
    if result.denied:
        raise PermissionDeniedException("You can only review the returns of your own CCG's practices")
    if result.refused:
        for code, why in result.refused:
            errors.add(f"return-{code}", f"{code}: {why}")
        return await _queue_page(request, errors, reason, status_code=409, selected=ids)
    done = {"approve": "approved", "return": "returned", "reopen": "reopened"}[decision]
    joiner = "&" if "?" in back else "?"
    return Redirect(f"{back}{joiner}done={done}&count={len(result.done)}", status_code=303)


def _grid_page(
    request: Request[Any, Any, Any],
    data: dict[str, Any],
    *,
    outstanding_only: bool,
    selected: set[str] | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Template:
    return Template(
        "review/grid.html",
        context={
            "title": f"Returns of CCG {request.user.ccg_code} by period",
            "grid": presenters.grid_view(data, outstanding_only=outstanding_only, selected=selected),
            "errors": errors,
        },
        status_code=status_code,
    )


@get("/review/grid", opt=roles(Role.CCG), name="review_grid")
async def grid(request: Request[Any, Any, Any]) -> Template:
    today = request.app.state.settings.current_date()
    data = await review_service.grid(request.user.ccg_id, today)
    return _grid_page(request, data, outstanding_only=request.query_params.get("show") == "outstanding")


def _chosen(form: dict[str, list[str]]) -> list[str] | None:
    """The practice codes ticked, or None for "Select all outstanding"."""
    if (form.get("select") or [""])[-1] == "outstanding":
        return None
    return form.get("practice", [])


@post("/review/chase", opt=roles(Role.CCG), name="review_chase")
async def chase_preview(request: Request[Any, Any, Any]) -> Template:
    """The reminders as they will go, to whom, before anything is sent."""
    form = await read_form_lists(request)
    settings = request.app.state.settings
    today = settings.current_date()
    codes = _chosen(form)
    outstanding_only = (form.get("show") or [""])[-1] == "outstanding"
    chase = await chase_service.plan(
        request.user.ccg_id, codes, today=today, now=settings.now(), base_url=settings.base_url
    )
    if chase.foreign:
        raise PermissionDeniedException("You can only remind your own CCG's practices")
    errors = FormErrors()
    if codes is not None and not codes:
        errors.add("practices", "Select at least one practice")
    elif chase.period is None:
        errors.add("practices", "There is no open period to remind practices about")
    elif not chase.targets:
        errors.add("practices", "None of the practices you selected has an outstanding return")
    if errors:
        data = await review_service.grid(request.user.ccg_id, today)
        return _grid_page(
            request, data, outstanding_only=outstanding_only, selected=set(codes or []), errors=errors, status_code=422
        )
    return Template(
        "review/chase.html",
        context={
            "title": "Check the reminders before you send them"
            if chase.sendable
            else "None of these practices can be reminded now",
            "chase": presenters.chase_view(chase),
            "show": "outstanding" if outstanding_only else "",
        },
    )


@post("/review/chase/send", opt=roles(Role.CCG), name="review_chase_send")
async def chase_send(request: Request[Any, Any, Any]) -> Template:
    form = await read_form_lists(request)
    settings = request.app.state.settings
    codes = form.get("practice", [])
    chase = await chase_service.plan(
        request.user.ccg_id, codes, today=settings.current_date(), now=settings.now(), base_url=settings.base_url
    )
    if chase.foreign:
        raise PermissionDeniedException("You can only remind your own CCG's practices")
    if not codes or not chase.targets:
        raise ClientException("Select at least one practice with an outstanding return", status_code=422)
    sent = await chase_service.send(chase, account_id=request.user.id, actor=request.user.email, ip=client_ip(request))
    return Template(
        "review/chase_sent.html",
        context={"title": presenters.chase_sent_title(sent), "sent": sent, "period": chase.period},
    )


ROUTES: list[Any] = [review, decide, grid, chase_preview, chase_send]
