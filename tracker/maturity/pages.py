"""Each dashboard's page: the service's precomputed rows through the presenters into one template
context. Policy checks happen in the organisation lookups (practice, CCG, region) or here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from tracker.accounts.policy import NATIONAL_SCOPE, Action, Scope, can, require
from tracker.accounts.principal import Principal
from tracker.feeds import dashboard as feed_dashboard
from tracker.figures import service as figures
from tracker.indicators import service as indicators
from tracker.maturity import calculations as calc
from tracker.maturity import charts, service
from tracker.maturity import practice_presenters as pp
from tracker.maturity import presenters as pr
from tracker.maturity.presenters import OrgRow
from tracker.maturity.tables_view import TableView, status_tag
from tracker.organisations import service as organisations
from tracker.organisations.presenters import practice_title


def _crumbs(
    user: Principal, region: organisations.RegionName | None = None, ccg: organisations.CcgPlace | None = None
) -> list[dict[str, str]]:
    items = []
    if can(user, Action.VIEW, NATIONAL_SCOPE):
        items.append({"href": "/dashboards/england", "text": "England"})
    if region and can(user, Action.VIEW, Scope(region_id=region.id)):
        items.append({"href": f"/dashboards/regions/{region.code}", "text": region.name or region.code})
    if ccg and can(user, Action.VIEW, Scope(ccg_id=ccg.id, region_id=ccg.region_id)):
        items.append({"href": f"/dashboards/ccgs/{ccg.code}", "text": ccg.name or ccg.code})
    return items


async def _names_in(
    period: service.ScoredPeriod,
) -> tuple[dict[int, organisations.RegionName], dict[int, organisations.CcgName]]:
    """Region and CCG names, each CCG with the region it was in during the period."""
    regions, ccgs = await service.org_names()
    return regions, _in_period(ccgs, await service.ccg_regions_in(period.id))


def _in_period(ccgs: Mapping[int, organisations.CcgName], then: Mapping[int, int]) -> dict[int, organisations.CcgName]:
    """These CCGs, each with the region it was in during a period (`then`: CCG id -> region id)."""
    return {
        i: c if then.get(i, c.region_id) == c.region_id else organisations.CcgName(c.id, c.code, c.name, then[i])
        for i, c in ccgs.items()
    }


def _provisional(choices: list[service.ScoredPeriod], today: dt.date) -> frozenset[str]:
    return frozenset(p.code for p in choices if p.provisional(today))


def _org_rows(
    aggregates: dict[int, calc.Aggregate],
    names: Mapping[int, organisations.RegionName | organisations.CcgName],
    href: str,
    period_code: str,
    parents: Mapping[int, organisations.RegionName] | None = None,
) -> list[OrgRow]:
    # Every CCG of England on a national page: the parents' names are looked up once, not per row.
    parent_names = {i: p.name or p.code for i, p in parents.items()} if parents is not None else {}
    query = f"?period={period_code}"
    out = []
    for org_id, agg in aggregates.items():
        org = names.get(org_id)
        if org is None:
            continue
        region_id = getattr(org, "region_id", None) if parents is not None else None
        parent = parent_names.get(region_id, "") if region_id is not None else ""
        out.append(OrgRow(org_id, org.code, org.name or org.code, f"{href}/{org.code}{query}", parent, agg))
    return out


async def england(user: Principal, period_code: str | None, today: dt.date) -> dict[str, Any]:
    """The national picture on a short page: the CCGs furthest behind and a way to find any CCG
    first, then the regions (ranked, and their reporting rates) and England's trend."""
    require(user, Action.VIEW, NATIONAL_SCOPE)
    period, choices = await service.choose_period(period_code, today)
    regions, ccgs = await service.org_names()
    total = await service.england_score(period.id)
    region_rows = _org_rows(
        await service.org_scores("region", period.id, deciles=False), regions, "/dashboards/regions", period.code
    )
    maturities = await service.org_maturities("ccg", period.id)
    # Only the CCGs furthest behind get a row (with the region each was in then): the page lists
    # those and counts the rest.
    behind = await service.org_scores("ccg", period.id, deciles=False, org_ids=pr.furthest_behind_ids(maturities, ccgs))
    then = _in_period({i: ccgs[i] for i in behind}, await service.ccg_regions_in(period.id))
    ccg_rows = _org_rows(behind, then, "/dashboards/ccgs", period.code, regions)
    base = "/dashboards/england"
    trend = pr.trend(
        "England",
        (await service.org_trends(("england", service.ENGLAND), known=choices))[0],
        None,
        pr.query(base, format="csv", table="trend"),
        _provisional(choices, today),
    )
    return {
        "title": "England: digital maturity of GP practices",
        "period": period,
        "period_label": pr.period_label(period.code, period.provisional(today)),
        "periods": pr.period_choices(choices, period),
        "headline": pr.headline(total, provisional=period.provisional(today)),
        "regions_chart": pr.maturity_bars("Regions by maturity index", region_rows, total),
        "tables": {
            "behind": pr.furthest_behind(ccg_rows, period.code, base),
            "regions": pr.ranked_orgs(region_rows, "Region", "maturity", "asc", base, period.code, "regions"),
            "rates": await _rates("region", None, regions, period, choices, today, base),
            "trend": trend["table"],
        },
        "ccg_count": sum(1 for i in maturities if i in ccgs),
        "ccgs_href": pr.query(f"{base}/ccgs", period=period.code),
        "chase_href": "/chasing?show=outstanding" if can(user, Action.CHASE) else "",
        "trend": trend,
        "excel_href": pr.query("/exports/national.xlsx", period=period.code),
        "indicators": await _indicator_links(period.code),
        "crumbs": [],
    }


async def england_ccgs(
    user: Principal, period_code: str | None, today: dt.date, sort: str, direction: str, q: str, page: str
) -> dict[str, Any]:
    """Every CCG of the period, 25 a page, found by name or code and sorted by any column; its CSV
    has every CCG found."""
    require(user, Action.VIEW, NATIONAL_SCOPE)
    period, choices = await service.choose_period(period_code, today)
    regions, ccgs = await _names_in(period)
    rows = _org_rows(
        await service.org_scores("ccg", period.id, deciles=False), ccgs, "/dashboards/ccgs", period.code, regions
    )
    found = pr.find_orgs(rows, q)
    base = "/dashboards/england/ccgs"
    sort = sort if sort in pr.SORTS else "maturity"
    direction = direction if direction in ("asc", "desc") else "asc"
    table = pr.ranked_orgs(found, "CCG", sort, direction, base, period.code, "ccgs", "Region")
    table.csv_href = pr.query(base, period=period.code, sort=sort, dir=direction, q=q, format="csv", table="ccgs")
    pages = pr.pages_of(len(found))
    number_ = pr.page_number(page, pages)
    return {
        "title": "CCGs in England",
        "period": period,
        "period_label": pr.period_label(period.code, period.provisional(today)),
        "periods": pr.period_choices(choices, period),
        "q": q,
        "found": len(found),
        "total": len(rows),
        "page": number_,
        "pages": pages,
        "first": (number_ - 1) * pr.PAGE_SIZE + 1,
        "last": min(number_ * pr.PAGE_SIZE, len(found)),
        "tables": {"ccgs": table},
        "shown": pr.one_page(table, number_),
        "pagination": pr.pagination(
            base, number_, pages, {"period": period.code, "sort": sort, "dir": direction, "q": q}
        ),
        "sort": sort,
        "dir": direction,
        "sort_href": _sorter(base, period.code, "ccgs", {"q": q} if q else None),
        "crumbs": [{"href": pr.query("/dashboards/england", period=period.code), "text": "England"}],
    }


async def region(
    user: Principal, code: str, period_code: str | None, today: dt.date, sort: str, direction: str
) -> dict[str, Any]:
    row = await organisations.region(code, user)
    period, choices = await service.choose_period(period_code, today)
    _, ccgs = await _names_in(period)
    mine, england = await service.period_scores(period.id, ("region", row.id), ("england", service.ENGLAND))
    total = mine or calc.aggregate([])
    national = england or calc.aggregate([])
    in_region = {i: c for i, c in ccgs.items() if c.region_id == row.id}
    ccg_rows = _org_rows(
        await service.org_scores("ccg", period.id, deciles=False), in_region, "/dashboards/ccgs", period.code
    )
    base = f"/dashboards/regions/{row.code}"
    name = row.name or row.code
    chosen_sort = sort in pr.SORTS
    sort = sort if chosen_sort else "maturity"
    direction = direction if direction in ("asc", "desc") else "asc"
    own_trend, england_trend = await service.org_trends(("region", row.id), ("england", service.ENGLAND), known=choices)
    trend = pr.trend(
        name,
        own_trend,
        england_trend,
        pr.query(base, format="csv", table="trend"),
        _provisional(choices, today),
    )
    return {
        "title": f"{name}: digital maturity",
        "org": row,
        "period": period,
        "period_label": pr.period_label(period.code, period.provisional(today)),
        "periods": pr.period_choices(choices, period),
        "headline": pr.headline(total, national, period.provisional(today)),
        "ccg_chart": pr.maturity_bars(f"CCGs in {name} by maturity index", ccg_rows, national),
        "ccg_count": len(ccg_rows),
        # Sorting reloads the page: the list the person sorted stays open.
        "ccgs_open": chosen_sort,
        "chase_href": f"/chasing/regions/{row.code}?show=outstanding"
        if can(user, Action.CHASE, Scope(region_id=row.id))
        else "",
        "england_href": pr.query("/dashboards/england", period=period.code),
        "tables": {
            "ccgs": pr.ranked_orgs(ccg_rows, "CCG", sort, direction, base, period.code, "ccgs"),
            "behind": pr.furthest_behind(ccg_rows, period.code, base, with_region=False),
            "rates": await _rates("ccg", row.id, ccgs, period, choices, today, base),
            "trend": trend["table"],
        },
        "trend": trend,
        "sort": sort,
        "dir": direction,
        "sort_href": _sorter(base, period.code, "ccgs"),
        "excel_href": pr.query(f"/exports/regions/{row.code}.xlsx", period=period.code),
        "crumbs": _crumbs(user),
    }


async def ccg(
    user: Principal,
    code: str,
    period_code: str | None,
    today: dt.date,
    sort: str,
    direction: str,
    filters: dict[str, str],
) -> dict[str, Any]:
    row = await organisations.ccg(code, user)
    period, choices = await service.choose_period(period_code, today)
    practices = await service.ccg_practices(row.id, period, choices)
    mine, england = await service.period_scores(period.id, ("ccg", row.id), ("england", service.ENGLAND))
    total = mine or calc.aggregate([])
    national = england or calc.aggregate([])
    base = f"/dashboards/ccgs/{row.code}"
    name = row.name or row.code
    shown = pr.filter_practices(practices, filters.get("status", ""), filters.get("level", ""), filters.get("q", ""))
    own_trend, england_trend = await service.org_trends(("ccg", row.id), ("england", service.ENGLAND), known=choices)
    trend = pr.trend(
        name,
        own_trend,
        england_trend,
        pr.query(base, format="csv", table="trend"),
        _provisional(choices, today),
    )
    region_row = (
        organisations.RegionName(row.region_id, row.region_code or "", row.region_name or "") if row.region_id else None
    )
    return {
        "title": f"{name}: digital maturity",
        "org": row,
        "period": period,
        "period_label": pr.period_label(period.code, period.provisional(today)),
        "periods": pr.period_choices(choices, period),
        "headline": pr.headline(total, national, period.provisional(today)),
        "distribution": pr.distribution(practices, name),
        "tables": {
            "at-risk": pr.at_risk_list(practices, period.code, base),
            "practices": pr.practice_table(
                shown,
                sort,
                direction,
                period.code,
                base,
                filters,
                await organisations.ods_notes({r.id for r in shown}),
            ),
            "trend": trend["table"],
        },
        "shown": len(shown),
        "total_practices": len(practices),
        "filters": filters,
        "trend": trend,
        "sort": sort,
        "dir": direction,
        "sort_href": _sorter(base, period.code, "practices", filters),
        "excel_href": pr.query(f"/exports/ccgs/{row.code}.xlsx", period=period.code),
        "crumbs": _crumbs(user, region_row),
        "feeds": await feed_dashboard.for_ccg(row.id, period.id, period.code, choices),
        "fans": await _ccg_fans(row.id, row.code, None, period, choices, today),
        "fan_legend": charts.fan_legend_items("This CCG"),
    }


async def _ccg_fans(
    ccg_id: int,
    ccg_code: str,
    only: str | None,
    period: service.ScoredPeriod,
    choices: list[service.ScoredPeriod],
    today: dt.date,
) -> list[dict[str, Any]]:
    """The CCG's mean of each indicator (or only one) against every CCG's, up to the period."""
    upto = [p for p in choices if p.start_date <= period.start_date]
    ids = await indicators.indicator_ids()
    specs = [s for s in await indicators.active_indicators() if s.code in ids and only in (None, s.code)]
    wanted = [ids[s.code] for s in specs]
    # England's rows carry the deciles of every CCG's mean, worked out when the statistics are
    # built: a view reads those and this CCG's own means, not every CCG's.
    cuts = await service.ccg_cuts_of(wanted, upto)
    own = await service.ccg_own_means(ccg_id, wanted, [p.id for p in upto])
    provisional = _provisional(upto, today)
    out = []
    for spec in specs:
        i = ids[spec.code]
        fan = pp.ccg_fan(spec, upto, cuts[i], own[i], provisional, period.code, ccg_code)
        if fan is not None:
            out.append(fan)
    return out


async def practice(user: Principal, code: str, period_code: str | None, today: dt.date) -> dict[str, Any]:
    row = await organisations.practice(code, user)
    period, choices = await service.choose_period(period_code, today)
    detail = await service.practice_detail(row.id, choices)
    index = [p.id for p in detail.scoring].index(period.id)
    current = detail.history[index]
    base = f"/dashboards/practices/{row.ods_code}"
    indicator_table, indicator_charts = pp.indicator_rows(detail, index, period.code, base)
    history_table, history_chart = pp.history_table(detail, base, period.code)
    ccg_score, england = await service.period_scores(period.id, ("ccg", row.ccg_id or 0), ("england", service.ENGLAND))
    own = await service.period_members(period.id, "practice", row.id)
    ccg_cuts = ccg_score.deciles if ccg_score and row.ccg_id else None
    england_cuts = (england or calc.aggregate([])).deciles
    ccg_name = row.ccg_name or row.ccg_code or "its CCG"
    region_row = None
    if row.ccg_region_id:
        region_row = {r.id: r for r in await organisations.regions_by_id()}.get(row.ccg_region_id)
    ccg_row = (
        organisations.CcgPlace(
            row.ccg_id,
            row.ccg_code or "",
            row.ccg_name or "",
            row.ccg_region_id,
            region_row.code if region_row else None,
            region_row.name if region_row else None,
        )
        if row.ccg_id
        else None
    )
    provisional = _provisional(choices, today)
    ids = await indicators.indicator_ids()
    charted = [spec.code for spec in detail.specs if spec.unit != "yesno" and spec.code in ids]
    by_id = await service.indicator_stats_of([ids[c] for c in charted], choices)
    stats = {code: by_id[ids[code]] for code in charted}
    similar, nearest = await _similar(user, row.id, period, base)
    return {
        "title": practice_title(row.name),
        "practice": row,
        "ods_note": (await organisations.ods_notes({row.id})).get(row.id, ""),
        "period": period,
        "period_label": pr.period_label(period.code, period.provisional(today)),
        "periods": pr.period_choices(choices, period),
        "current": current,
        "level_name": calc.level_name(current.level),
        "status": current.status,
        "status_tag": Markup(status_tag(current.status)),  # noqa: S704 (fixed words and classes)
        # No score row at all (a practice closed before the period): nothing to forecast from.
        "forecast_words": pr.practice_forecast_words(own[0].forecast, period.provisional(today)) if own else "",
        "positions": [
            p
            for p in (
                pp.position(current.maturity, ccg_cuts, ccg_name),
                pp.position(current.maturity, england_cuts, "England"),
            )
            if p
        ],
        "tables": {"indicators": indicator_table, "history": history_table, "similar": similar},
        "history_chart": history_chart,
        "indicator_charts": indicator_charts,
        "fans": pp.practice_fans(detail, index, stats, provisional, period.code),
        "fan_legend": charts.fan_legend_items("This practice"),
        "similar": similar,
        "nearest": nearest,
        "crumbs": _crumbs(user, region_row, ccg_row),
        "feeds": await feed_dashboard.for_practice(row.id, period.code, detail.values.get(period.id, {}), detail.specs),
    }


async def _similar(
    user: Principal, practice_id: int, period: service.ScoredPeriod, base: str
) -> tuple[TableView, list[dict[str, Any]]]:
    """The practice beside the practices of its CCG and of its list size in the period (the CCG it
    counted under then, and the list size its CCG's figures weighted it by), with each group's
    practices nearest it in maturity named for the users allowed to see their dashboards."""
    own = await service.period_members(period.id, "practice", practice_id)
    me = (
        pp.Peer(practice_id, own[0].ccg_id, own[0].patients, own[0].maturity)
        if own
        else pp.Peer(practice_id, None, None, None)
    )
    # Only the two groups the practice is compared with, not every practice in England.
    found = (
        await service.scored_peers(period.id, me.ccg_id, pp.size_band_bounds(me.patients))
        if me.maturity is not None
        else []
    )
    peers = found
    _, ccgs = await service.org_names()
    ccg = ccgs.get(me.ccg_id) if me.ccg_id is not None else None
    ccg_name = (ccg.name or ccg.code) if ccg else "its CCG"
    ccg_href = (
        f"/dashboards/ccgs/{ccg.code}?period={period.code}"
        if ccg and me.ccg_id is not None and can(user, Action.VIEW, Scope(ccg_id=me.ccg_id, region_id=ccg.region_id))
        else None
    )
    table, nearest = pp.similar_practices(
        me, peers, ccg_name, ccg_href, pr.query(base, period=period.code, format="csv", table="similar")
    )
    places = {
        p.id: p for p in await organisations.practice_places(ids={p.practice_id for _, ps in nearest for p in ps})
    }
    shown = []
    for words, group in nearest:
        items = []
        for p in group:
            place = places.get(p.practice_id)
            scope = Scope(p.practice_id, place.ccg, place.ccg_region or place.region) if place else None
            if place is None or scope is None or not can(user, Action.VIEW, scope):
                continue
            items.append(
                {
                    "href": f"/dashboards/practices/{place.ods_code}?period={period.code}",
                    "text": f"{practice_title(place.name)} ({place.ods_code}): {p.maturity:.1f}",
                }
            )
        if items:
            shown.append({"group": words, "items": items})
    return table, shown


async def indicator(
    user: Principal, code: str, period_code: str | None, today: dt.date, ccg_code: str = ""
) -> dict[str, Any]:
    spec, indicator_id = await service.indicator(code)
    period, choices = await service.choose_period(period_code, today)
    stats = [
        s
        for s in await service.indicator_stats(indicator_id)
        if s.period_id in {p.id for p in choices if p.start_date <= period.start_date}
    ]
    before = service.previous_year(period, choices)
    base = f"/dashboards/indicators/{spec.code}"
    _, ccgs = await service.org_names()
    visible = {i for i, c in ccgs.items() if can(user, Action.VIEW, Scope(ccg_id=i, region_id=c.region_id))}
    fan = pp.fan(spec, stats, base, period.code, _provisional(choices, today))
    moved = (
        pp.movers(
            spec,
            await service.ccg_indicator_means(indicator_id, [period.id, before.id]),
            period.id,
            before.id,
            before.code,
            base,
            period.code,
            visible,
        )
        if before
        else None
    )
    tables = {"distribution": fan["table"]}
    if moved is not None:
        tables["moved"] = moved
    # A CCG beside every CCG: the one asked for, or a CCG lead's own.
    chosen = next((i for i, c in ccgs.items() if c.code == ccg_code.upper()), None) if ccg_code else user.ccg_id
    ccg_fan: dict[str, Any] | None = None
    if chosen is not None and chosen in visible:
        found = await _ccg_fans(chosen, ccgs[chosen].code, spec.code, period, choices, today)
        if found:  # a copy: the fan is shared with the CCG's dashboard, where it links here
            ccg_fan = pp.without_link(
                found[0], ccg_name=ccgs[chosen].name or ccgs[chosen].code, ccg_code=ccgs[chosen].code
            )
    return {
        "title": spec.name,
        "spec": spec,
        "summary": pp.indicator_summary(spec),
        "period": period,
        "period_label": pr.period_label(period.code, period.provisional(today)),
        "periods": pr.period_choices(choices, period),
        "fan": fan,
        "ccg_fan": ccg_fan,
        "fan_legend": charts.fan_legend_items("This CCG", spec.unit == "percent"),
        "tables": tables,
        "crumbs": [{"href": "/dashboards", "text": "Dashboards"}],
    }


def _sorter(base: str, period_code: str, anchor: str, filters: dict[str, str] | None = None) -> Any:
    def href(key: str, direction: str) -> str:
        return pr.query(base, period=period_code, sort=key, dir=direction, **(filters or {})) + "#" + anchor

    return href


async def _indicator_links(period_code: str) -> list[dict[str, str]]:
    specs = await indicators.active_indicators()
    return [{"href": f"/dashboards/indicators/{s.code}?period={period_code}", "text": s.name} for s in specs]


RATE_PERIODS = 8


async def _rates(
    child: str,
    parent_id: int | None,
    names: Mapping[int, organisations.RegionName | organisations.CcgName],
    period: service.ScoredPeriod,
    choices: list[service.ScoredPeriod],
    today: dt.date,
    base: str,
) -> TableView:
    """The reporting-rates grid of the last 8 periods up to the chosen one: the regions of England
    or the CCGs of a region, each period's organisations, each row linking to its dashboard."""
    shown = [p for p in choices if p.start_date <= period.start_date][-RATE_PERIODS:]
    found = await figures.children_figures(child, parent_id, shown, today)
    ids = {i for by_org in found.values() for i in by_org}
    href = "/dashboards/regions" if child == "region" else "/dashboards/ccgs"
    orgs = [
        pr.RateOrg(i, names[i].code, names[i].name or names[i].code, f"{href}/{names[i].code}?period={period.code}")
        for i in ids
        if i in names
    ]
    return pr.rates_grid(
        "Region" if child == "region" else "CCG",
        orgs,
        found,
        _provisional(shown, today),
        pr.query(base, period=period.code, format="csv", table="rates"),
    )
