"""Chasing from where the gap is seen: a CCG's grid of practices x periods, filtered to the
outstanding returns of the open period, with reminders previewed and sent now (chase_service: at
most one a practice a day, audited). The CCG lead reaches its own under /review; a region's team
and NHS England reach any CCG they may see from the reporting rates, under /chasing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import ClientException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Template

from tracker.accounts.policy import Action, Scope, can, require
from tracker.accounts.principal import Role
from tracker.organisations import service as organisations
from tracker.returns import chase_service, presenters, review_presenters, review_service
from tracker.web.auth import roles
from tracker.web.forms import FormErrors, client_ip, read_form_lists


@dataclass(frozen=True)
class ChaseUrls:
    """Where a CCG's grid, its chase preview and its sending live: the CCG lead's own pages under
    /review, or a CCG reached from the region's or England's reporting rates under /chasing."""

    grid: str
    preview: str
    send: str
    crumbs: list[dict[str, str]]
    here: str  # the grid's name in breadcrumbs


REVIEW_URLS = ChaseUrls(
    "/review/grid", "/review/chase", "/review/chase/send", [{"href": "/review", "text": "Review"}], "By period"
)


def grid_page(
    data: review_service.ReviewGrid,
    *,
    title: str,
    urls: ChaseUrls,
    outstanding_only: bool,
    selected: set[str] | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Template:
    return Template(
        "review/grid.html",
        context={
            "title": title,
            "grid": presenters.grid_view(data, outstanding_only=outstanding_only, selected=selected),
            "errors": errors,
            "urls": urls,
        },
        status_code=status_code,
    )


def _chosen(form: dict[str, list[str]]) -> list[str] | None:
    """The practice codes ticked, or None for "Select all outstanding"."""
    if (form.get("select") or [""])[-1] == "outstanding":
        return None
    return form.get("practice", [])


async def chase_preview_page(request: Request[Any, Any, Any], ccg_id: int, *, title: str, urls: ChaseUrls) -> Template:
    """The reminders as they will go, to whom, before anything is sent (the CCG's grid again,
    with the error, when there is nothing to preview)."""
    form = await read_form_lists(request)
    settings = request.app.state.settings
    today = settings.current_date()
    codes = _chosen(form)
    outstanding_only = (form.get("show") or [""])[-1] == "outstanding"
    chase = await chase_service.plan(
        ccg_id, codes, today=today, now=settings.now(), base_url=settings.base_url, secret=settings.secret_key
    )
    if chase.foreign:
        raise PermissionDeniedException("You can only remind the practices of this CCG")
    errors = FormErrors()
    if codes is not None and not codes:
        errors.add("practices", "Select at least one practice")
    elif chase.period is None:
        errors.add("practices", "There is no open period to remind practices about")
    elif not chase.targets:
        errors.add("practices", "None of the practices you selected has an outstanding return")
    if errors:
        data = await review_service.grid(ccg_id, today)
        return grid_page(
            data,
            title=title,
            urls=urls,
            outstanding_only=outstanding_only,
            selected=set(codes or []),
            errors=errors,
            status_code=422,
        )
    return Template(
        "review/chase.html",
        context={
            "title": "Check the reminders before you send them"
            if chase.sendable
            else "None of these practices can be reminded now",
            "chase": presenters.chase_view(chase),
            "show": "outstanding" if outstanding_only else "",
            "urls": urls,
        },
    )


async def chase_send_page(request: Request[Any, Any, Any], ccg_id: int, *, urls: ChaseUrls) -> Template:
    form = await read_form_lists(request)
    settings = request.app.state.settings
    codes = form.get("practice", [])
    chase = await chase_service.plan(
        ccg_id,
        codes,
        today=settings.current_date(),
        now=settings.now(),
        base_url=settings.base_url,
        secret=settings.secret_key,
    )
    if chase.foreign:
        raise PermissionDeniedException("You can only remind the practices of this CCG")
    if not codes or not chase.targets:
        raise ClientException("Select at least one practice with an outstanding return", status_code=422)
    sent = await chase_service.send(chase, account_id=request.user.id, actor=request.user.email, ip=client_ip(request))
    return Template(
        "review/chase_sent.html",
        context={"title": presenters.chase_sent_title(sent), "sent": sent, "period": chase.period, "urls": urls},
    )


def _outstanding_only(request: Request[Any, Any, Any]) -> bool:
    return request.query_params.get("show") == "outstanding"


@get("/chasing", opt=roles(Role.REGION, Role.NATIONAL), name="chasing")
async def chasing(request: Request[Any, Any, Any]) -> Template:
    """England's regions (those the user may see) with their outstanding returns of the open period."""
    today = request.app.state.settings.current_date()
    period, counts = await review_service.outstanding_by_ccg(today)
    regions, _ = await organisations.org_names()
    visible = {i: r for i, r in regions.items() if can(request.user, Action.VIEW, Scope(region_id=i))}
    only = _outstanding_only(request)
    rows = review_presenters.outstanding_rows(
        counts, visible, group_by_region=True, outstanding_only=only, href="/chasing/regions/{code}?show=outstanding"
    )
    return Template(
        "review/chasing.html",
        context={
            "title": "Outstanding returns by region",
            "kind": "region",
            "period": presenters.period_label(period["code"]) if period else "",
            "rows": rows,
            "outstanding_only": only,
            "here": "/chasing",
            "crumbs": [{"href": "/dashboards/england#reporting-rates", "text": "England"}],
        },
    )


@get("/chasing/regions/{code:str}", opt=roles(Role.REGION, Role.NATIONAL), name="chasing_region")
async def chasing_region(request: Request[Any, Any, Any], code: FromPath[str]) -> Template:
    """The region's CCGs with their outstanding returns of the open period, each leading to its practices."""
    region = await organisations.region(code, request.user)
    require(request.user, Action.CHASE, Scope(region_id=region.id))
    today = request.app.state.settings.current_date()
    period, counts = await review_service.outstanding_by_ccg(today, region.id)
    _, ccgs = await organisations.org_names()
    only = _outstanding_only(request)
    rows = review_presenters.outstanding_rows(
        counts, ccgs, group_by_region=False, outstanding_only=only, href="/chasing/ccgs/{code}?show=outstanding"
    )
    name = region.name or region.code
    crumbs = [{"href": f"/dashboards/regions/{region.code}#reporting-rates", "text": name}]
    if can(request.user, Action.VIEW, Scope()):
        crumbs.insert(0, {"href": "/chasing", "text": "Outstanding returns by region"})
    return Template(
        "review/chasing.html",
        context={
            "title": f"Outstanding returns in {name}",
            "kind": "CCG",
            "period": presenters.period_label(period["code"]) if period else "",
            "rows": rows,
            "outstanding_only": only,
            "here": f"/chasing/regions/{region.code}",
            "crumbs": crumbs,
        },
    )


async def _ccg_urls(request: Request[Any, Any, Any], code: str) -> tuple[organisations.CcgPlace, ChaseUrls]:
    """The CCG (if the user may see it: a region's team only its region's) and its chasing pages."""
    ccg = await organisations.ccg(code, request.user)
    # Seeing a CCG is not enough to remind its practices: chasing is the policy's own decision.
    require(request.user, Action.CHASE, Scope(ccg_id=ccg.id, region_id=ccg.region_id))
    base = f"/chasing/ccgs/{ccg.code}"
    crumbs = []
    if can(request.user, Action.VIEW, Scope(region_id=ccg.region_id)) and ccg.region_id is not None:
        crumbs.append(
            {
                "href": f"/chasing/regions/{ccg.region_code}?show=outstanding",
                "text": f"Outstanding returns in {ccg.region_name or ccg.region_code}",
            }
        )
    return ccg, ChaseUrls(base, f"{base}/preview", f"{base}/send", crumbs, ccg.name or ccg.code)


def _ccg_title(ccg: organisations.CcgPlace) -> str:
    return f"Returns of {ccg.name or ccg.code} ({ccg.code}) by period"


CHASERS = roles(Role.CCG, Role.REGION, Role.NATIONAL)


@get("/chasing/ccgs/{code:str}", opt=CHASERS, name="chasing_ccg")
async def chasing_ccg(request: Request[Any, Any, Any], code: FromPath[str]) -> Template:
    ccg, urls = await _ccg_urls(request, code)
    data = await review_service.grid(ccg.id, request.app.state.settings.current_date())
    return grid_page(data, title=_ccg_title(ccg), urls=urls, outstanding_only=_outstanding_only(request))


@post("/chasing/ccgs/{code:str}/preview", opt=CHASERS, name="chasing_ccg_preview")
async def chasing_ccg_preview(request: Request[Any, Any, Any], code: FromPath[str]) -> Template:
    ccg, urls = await _ccg_urls(request, code)
    return await chase_preview_page(request, ccg.id, title=_ccg_title(ccg), urls=urls)


@post("/chasing/ccgs/{code:str}/send", opt=CHASERS, name="chasing_ccg_send")
async def chasing_ccg_send(request: Request[Any, Any, Any], code: FromPath[str]) -> Template:
    ccg, urls = await _ccg_urls(request, code)
    return await chase_send_page(request, ccg.id, urls=urls)


ROUTES: list[Any] = [chasing, chasing_region, chasing_ccg, chasing_ccg_preview, chasing_ccg_send]
