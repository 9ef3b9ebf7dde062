"""The organisation browser: national -> region -> CCG -> practice, and practice search."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from tracker.accounts.policy import Level, visible
from tracker.accounts.principal import Role
from tracker.organisations import presenters, service
from tracker.web.auth import ANY_SIGNED_IN, roles


@get("/organisations", opt=ANY_SIGNED_IN, name="organisations")
async def browser(request: Request[Any, Any, Any]) -> Template | Redirect:
    # People below national level start at their own organisation.
    seen = visible(request.user)
    match seen.level:
        case Level.REGION:
            return Redirect(f"/organisations/regions/{seen.region_code}", status_code=303)
        case Level.CCG:
            return Redirect(f"/organisations/ccgs/{seen.ccg_code}", status_code=303)
        case Level.PRACTICES:
            target = f"/practices/{seen.practice_codes[0]}" if len(seen.practice_codes) == 1 else "/practices"
            return Redirect(target, status_code=303)
    regions = await service.regions_overview()
    return Template(
        "organisations/national.html",
        context={"regions": presenters.region_rows(regions), "total": sum(r.practices for r in regions)},
    )


@get("/organisations/regions/{code:str}", opt=roles(Role.REGION, Role.NATIONAL, Role.ADMIN), name="region")
async def region(request: Request[Any, Any, Any], code: FromPath[str]) -> Template:
    row = await service.region(code, request.user)
    ccgs = await service.ccgs_in_region(row.id)
    return Template(
        "organisations/region.html",
        context={"region": row, "ccgs": presenters.ccg_rows(ccgs), "total": sum(c.practices for c in ccgs)},
    )


@get("/organisations/ccgs/{code:str}", opt=roles(Role.CCG, Role.REGION, Role.NATIONAL, Role.ADMIN), name="ccg")
async def ccg(request: Request[Any, Any, Any], code: FromPath[str]) -> Template:
    row = await service.ccg(code, request.user)
    practices = await service.practices_in_ccg(row.id)
    return Template(
        "organisations/ccg.html",
        context={
            "ccg": row,
            "practices": presenters.practice_rows(practices),
            "patients": sum(p.patients or 0 for p in practices),
        },
    )


@get("/practices", opt=ANY_SIGNED_IN, name="practice_search")
async def search(request: Request[Any, Any, Any], q: Annotated[str, QueryParameter(max_length=200)] = "") -> Template:
    user = request.user
    results: list[service.PracticeFound] | list[service.PracticeDetail] = (
        await service.search_practices(q, user) if q.strip() else []
    )
    seen = visible(user)
    if not q.strip() and seen.level == Level.PRACTICES:
        results = [await service.practice(code, user) for code in seen.practice_codes]
    return Template(
        "organisations/search.html",
        context={
            "q": q,
            "results": presenters.practice_rows(results),
            "count": len(results),
            "searched": bool(q.strip()),
        },
    )


@get("/practices/{ods_code:str}", opt=ANY_SIGNED_IN, name="practice")
async def practice(request: Request[Any, Any, Any], ods_code: FromPath[str]) -> Template:
    row = await service.practice(ods_code, request.user)
    sizes = await service.list_sizes(row.id)
    return Template(
        "organisations/practice.html",
        context={
            "practice": row,
            "title": presenters.practice_title(row.name),
            "summary": presenters.practice_summary(row, sizes),
        },
    )


ROUTES: list[Any] = [browser, region, ccg, search, practice]
