"""The dashboards: England, region, CCG, practice and indicator, each with CSV downloads.

Routes are thin: parse the query, ask pages.py for the context, render. `?format=csv&table=NAME`
downloads any table on a dashboard.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Response, Template

from tracker.accounts.policy import Level, visible
from tracker.accounts.principal import Role
from tracker.maturity import pages
from tracker.maturity.service import NoScores
from tracker.web.auth import ANY_SIGNED_IN, roles

Period = Annotated[str | None, QueryParameter(max_length=12)]
Short = Annotated[str, QueryParameter(max_length=20)]
Search = Annotated[str, QueryParameter(max_length=100)]


def _today(request: Request[Any, Any, Any]) -> Any:
    return request.app.state.settings.current_date()


async def _page(build: Any, *args: Any) -> dict[str, Any] | None:
    """The page's context, or None before any return has been scored (after the policy check)."""
    try:
        return await build(*args)
    except NoScores:
        return None


def _render(
    template: str, context: dict[str, Any] | None, fmt: str, table: str, filename: str
) -> Template | Response[str]:
    if context is None:
        return Template("maturity/empty.html", context={"title": "No scores yet"})
    if fmt == "csv":
        view = context["tables"].get(table or next(iter(context["tables"])))
        if view is None:
            raise NotFoundException("No such table on this dashboard")
        name = re.sub(r"[^A-Za-z0-9_-]", "-", f"{filename}-{view.name}-{context['period'].code}") + ".csv"
        return Response(
            view.csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return Template(template, context=context)


@get("/dashboards", opt=ANY_SIGNED_IN, name="dashboards")
async def dashboards(request: Request[Any, Any, Any]) -> Redirect:
    """Everyone starts at the dashboard of their own organisation."""
    seen = visible(request.user)
    match seen.level:
        case Level.PRACTICES:
            if len(seen.practice_codes) == 1:
                return Redirect(f"/dashboards/practices/{seen.practice_codes[0]}", status_code=303)
            return Redirect("/practices", status_code=303)
        case Level.CCG:
            return Redirect(f"/dashboards/ccgs/{seen.ccg_code}", status_code=303)
        case Level.REGION:
            return Redirect(f"/dashboards/regions/{seen.region_code}", status_code=303)
    return Redirect("/dashboards/england", status_code=303)


@get("/dashboards/england", opt=roles(Role.NATIONAL, Role.ADMIN), name="dashboard_england")
async def england(
    request: Request[Any, Any, Any],
    period: Period = None,
    format: Short = "",
    table: Short = "",
) -> Template | Response[str]:
    context = await _page(pages.england, request.user, period, _today(request))
    return _render("maturity/england.html", context, format, table, "england")


@get("/dashboards/england/ccgs", opt=roles(Role.NATIONAL, Role.ADMIN), name="dashboard_england_ccgs")
async def england_ccgs(
    request: Request[Any, Any, Any],
    period: Period = None,
    sort: Short = "maturity",
    dir: Short = "asc",
    q: Search = "",
    page: Short = "",
    format: Short = "",
    table: Short = "",
) -> Template | Response[str]:
    context = await _page(pages.england_ccgs, request.user, period, _today(request), sort, dir, q, page)
    return _render("maturity/england_ccgs.html", context, format, table, "england-ccgs")


@get("/dashboards/regions/{code:str}", opt=roles(Role.REGION, Role.NATIONAL, Role.ADMIN), name="dashboard_region")
async def region(
    request: Request[Any, Any, Any],
    code: FromPath[str],
    period: Period = None,
    sort: Short = "",
    dir: Short = "asc",
    format: Short = "",
    table: Short = "",
) -> Template | Response[str]:
    context = await _page(pages.region, request.user, code, period, _today(request), sort, dir)
    return _render("maturity/region.html", context, format, table, f"region-{code.upper()}")


@get("/dashboards/ccgs/{code:str}", opt=roles(Role.CCG, Role.REGION, Role.NATIONAL, Role.ADMIN), name="dashboard_ccg")
async def ccg(
    request: Request[Any, Any, Any],
    code: FromPath[str],
    period: Period = None,
    sort: Short = "maturity",
    dir: Short = "asc",
    status: Short = "",
    level: Short = "",
    q: Search = "",
    format: Short = "",
    table: Short = "",
) -> Template | Response[str]:
    filters = {"status": status, "level": level, "q": q}
    context = await _page(pages.ccg, request.user, code, period, _today(request), sort, dir, filters)
    return _render("maturity/ccg.html", context, format, table, f"ccg-{code.upper()}")


@get("/dashboards/practices/{code:str}", opt=ANY_SIGNED_IN, name="dashboard_practice")
async def practice(
    request: Request[Any, Any, Any],
    code: FromPath[str],
    period: Period = None,
    format: Short = "",
    table: Short = "",
) -> Template | Response[str]:
    context = await _page(pages.practice, request.user, code, period, _today(request))
    return _render("maturity/practice.html", context, format, table, f"practice-{code.upper()}")


@get("/dashboards/indicators/{code:str}", opt=ANY_SIGNED_IN, name="dashboard_indicator")
async def indicator(
    request: Request[Any, Any, Any],
    code: FromPath[str],
    period: Period = None,
    format: Short = "",
    table: Short = "",
) -> Template | Response[str]:
    context = await _page(pages.indicator, request.user, code, period, _today(request))
    return _render("maturity/indicator.html", context, format, table, f"indicator-{code.upper()}")


ROUTES: list[Any] = [dashboards, england, england_ccgs, region, ccg, practice, indicator]
