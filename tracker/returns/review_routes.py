"""CCG review: the queue, approve or return (one or many), and the practices x periods grid."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.response import Redirect, Template

from tracker.accounts.principal import Role
from tracker.feeds import service as feed_service
from tracker.indicators import service as indicators
from tracker.returns import chase_routes, presenters, review_checks, review_presenters, review_service, service
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
    flags = await feed_service.differences(await review_service.submitted_values([r.id for r in rows]))
    seen = await review_service.glance(rows, user.ccg_id, flags)
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


@get("/review/grid", opt=roles(Role.CCG), name="review_grid")
async def grid(request: Request[Any, Any, Any]) -> Template:
    today = request.app.state.settings.current_date()
    data = await review_service.grid(request.user.ccg_id, today)
    return chase_routes.grid_page(
        data,
        title=f"Returns of CCG {request.user.ccg_code} by period",
        urls=chase_routes.REVIEW_URLS,
        outstanding_only=request.query_params.get("show") == "outstanding",
    )


@post("/review/chase", opt=roles(Role.CCG), name="review_chase")
async def chase_preview(request: Request[Any, Any, Any]) -> Template:
    user = request.user
    return await chase_routes.chase_preview_page(
        request, user.ccg_id, title=f"Returns of CCG {user.ccg_code} by period", urls=chase_routes.REVIEW_URLS
    )


@post("/review/chase/send", opt=roles(Role.CCG), name="review_chase_send")
async def chase_send(request: Request[Any, Any, Any]) -> Template:
    return await chase_routes.chase_send_page(request, request.user.ccg_id, urls=chase_routes.REVIEW_URLS)


ROUTES: list[Any] = [review, decide, grid, chase_preview, chase_send, *chase_routes.ROUTES]
