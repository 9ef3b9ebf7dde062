"""View models for the organisation dashboards (England, region, CCG). Pure: rows in, labels,
tables and charts out. The practice and indicator pages are in practice_presenters.py."""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from markupsafe import escape

from tracker.maturity import calculations as calc
from tracker.maturity import charts
from tracker.maturity.tables_view import Column, TableView, link, query, status_tag
from tracker.organisations.presenters import practice_title
from tracker.web.formatting import number, percent, score
from tracker.web.wording import plural

SORTS = {"maturity", "on_track", "off_track", "completeness", "timeliness", "name", "practices", "late", "level"}


def pct(value: float | None) -> str:
    return percent(value, 0)


@dataclass(frozen=True)
class PeriodChoice:
    code: str
    label: str
    selected: bool


def period_label(code: str, provisional: bool = False) -> str:
    """'2017/18 Q4', with '(provisional)' while the period's returns can still change."""
    return code.replace("-", " ") + (" (provisional)" if provisional else "")


def period_choices(choices: Sequence[Any], current: Any) -> list[dict[str, Any]]:
    return [{"value": p.code, "text": period_label(p.code), "selected": p.id == current.id} for p in reversed(choices)]


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def practice_forecast_words(found: calc.PracticeForecast | None, provisional: bool) -> str:
    """A practice's forecast in plain words, for its dashboard."""
    target = f"maturity {calc.PAPERLESS_MATURITY:g} (the Paperless level)"
    deadline = long_date(calc.PAPERLESS_DEADLINE)
    if found is None:
        return "Not worked out yet for this period."
    if found.reached and found.met_on is not None:
        words = f"This practice reached {target} in the period ending {long_date(found.met_on)}."
    elif found.met_on is not None:
        when = "before" if found.by_deadline else "after"
        words = (
            f"On its trend, this practice reaches {target} on about {long_date(found.met_on)}, "
            f"{when} the {deadline} deadline."
        )
    elif found.reason == calc.NOT_ENOUGH_RETURNS:
        words = f"Not enough returns to forecast: it needs at least {calc.FORECAST_MIN_POINTS} approved returns."
    else:
        words = f"Its maturity is not improving, so there is no date on this trend for reaching {target}."
    if provisional:
        words += " This forecast is provisional: this period's returns can still change."
    return words


def forecast_headline(agg: calc.Aggregate, england: calc.Aggregate | None, provisional: bool) -> str:
    """The share of the practices forecast to reach the Paperless level by the 2018 deadline."""
    if agg.forecast_made is None or agg.forecast_met is None:
        return "Not worked out yet"
    if agg.forecast_made == 0:
        return "No practice has enough approved returns to forecast"
    words = f"{pct(agg.share_forecast_met)}: {number(agg.forecast_met)} of {number(agg.forecast_made)} practices"
    words += " with a forecast"
    if england is not None and england.share_forecast_met is not None:
        words += f" (England {pct(england.share_forecast_met)})"
    return words + (", provisional: this period's returns can still change" if provisional else "")


def headline(
    agg: calc.Aggregate, england: calc.Aggregate | None = None, provisional: bool = False
) -> list[dict[str, Any]]:
    """The summary list at the top of an organisation dashboard."""

    def vs(mine: float | None, theirs: float | None, fmt: Callable[[float | None], str]) -> str:
        if england is None or theirs is None:
            return fmt(mine)
        return f"{fmt(mine)} (England {fmt(theirs)})"

    e = england
    items = [
        ("Maturity index (0-100)", vs(agg.maturity, e.maturity if e else None, score) + ", weighted by list size"),
        (
            "Practices on track",
            vs(agg.share_on_track, e.share_on_track if e else None, pct)
            + f": {number(agg.on_track)} on track, {number(agg.at_risk)} at risk, {number(agg.off_track)} off track",
        ),
        (
            "Returns received (completeness)",
            vs(agg.completeness, e.completeness if e else None, pct)
            + f": {number(agg.submitted)} of {number(agg.practices)} expected",
        ),
        (
            "Returns on time (timeliness)",
            vs(agg.timeliness, e.timeliness if e else None, pct) + f": {number(agg.on_time)} by the due date",
        ),
        (
            f"Practices forecast to reach maturity {calc.PAPERLESS_MATURITY:g} by {long_date(calc.PAPERLESS_DEADLINE)}",
            forecast_headline(agg, e, provisional),
        ),
        ("Registered patients", number(agg.patients)),
    ]
    return [{"key": {"text": k}, "value": {"text": v}} for k, v in items]


# --- Ranked organisations -----------------------------------------------------------------


@dataclass(frozen=True)
class OrgRow:
    id: int
    code: str
    name: str
    href: str
    parent: str
    agg: calc.Aggregate


def _sort_key(sort: str) -> Callable[[OrgRow], Any]:
    def value(r: OrgRow) -> Any:
        a = r.agg
        match sort:
            case "name":
                return r.name
            case "on_track":
                return a.share_on_track if a.share_on_track is not None else -1
            case "off_track":
                return share(a.off_track, a.scored)
            case "completeness":
                return a.completeness if a.completeness is not None else -1
            case "timeliness":
                return a.timeliness if a.timeliness is not None else -1
            case "practices":
                return a.practices
        return a.maturity if a.maturity is not None else -1

    return value


def share(part: int, whole: int) -> float:
    return calc.share(part, whole) or 0.0


def ranked_orgs(
    rows: list[OrgRow],
    kind: str,
    sort: str,
    direction: str,
    base_href: str,
    period_code: str,
    csv_name: str,
    parent_label: str = "",
) -> TableView:
    """CCGs or regions with the dashboard measures, ranked by maturity (1 = most mature), listed in
    the chosen order (lowest maturity first unless asked otherwise)."""
    sort = sort if sort in SORTS else "maturity"
    direction = direction if direction in ("asc", "desc") else "asc"
    ranks = {
        r.id: i
        for i, r in enumerate(sorted(rows, key=lambda r: -(r.agg.maturity if r.agg.maturity is not None else -1)), 1)
    }
    ordered = sorted(rows, key=_sort_key(sort), reverse=direction == "desc")
    columns = [
        Column("rank", "Rank", numeric=True),
        Column("name", kind, sortable=True),
        *([Column("parent", parent_label)] if parent_label else []),
        Column("practices", "Practices", numeric=True, sortable=True),
        Column("maturity", "Maturity (0-100)", numeric=True, sortable=True),
        Column("on_track", "On track", numeric=True, sortable=True),
        Column("off_track", "Off track", numeric=True, sortable=True),
        Column("completeness", "Returns received", numeric=True, sortable=True),
        Column("timeliness", "On time", numeric=True, sortable=True),
    ]
    table = TableView(
        csv_name,
        f"{kind}s ranked by maturity (rank 1 is the most mature)",
        columns,
        csv_href=query(base_href, period=period_code, sort=sort, dir=direction, format="csv", table=csv_name),
    )
    for r in ordered:
        a = r.agg
        off = calc.share(a.off_track, a.on_track + a.at_risk + a.off_track)
        table.add(
            [
                str(ranks[r.id]),
                ("html", link(r.href, r.name)),
                *([r.parent] if parent_label else []),
                number(a.practices),
                score(a.maturity),
                pct(a.share_on_track),
                pct(off),
                pct(a.completeness),
                pct(a.timeliness),
            ],
            [
                ranks[r.id],
                f"{r.name} ({r.code})",
                *([r.parent] if parent_label else []),
                a.practices,
                a.maturity,
                a.share_on_track,
                off,
                a.completeness,
                a.timeliness,
            ],
        )
    return table


def maturity_bars(title: str, rows: list[OrgRow], england: calc.Aggregate) -> dict[str, Any]:
    """A bar per organisation (lowest first) with England's figure as the first bar, hatched."""
    ordered = sorted([r for r in rows if r.agg.maturity is not None], key=lambda r: r.agg.maturity or 0)
    bars = [charts.Bar("England", england.maturity or 0, score(england.maturity), charts.GREY, hatched=True)]
    bars += [charts.Bar(r.name, r.agg.maturity or 0, score(r.agg.maturity)) for r in ordered]
    lowest = ordered[0] if ordered else None
    highest = ordered[-1] if ordered else None
    summary = (
        f"Lowest: {lowest.name} at {score(lowest.agg.maturity)}; highest: {highest.name} at "
        f"{score(highest.agg.maturity)}; England {score(england.maturity)}."
        if lowest and highest
        else "No scores for this period."
    )
    return {"svg": charts.bar_chart(title, summary, bars, 100), "summary": summary}


# --- Trend over time --------------------------------------------------------------------------


def trend(
    name: str,
    rows: list[tuple[str, calc.Aggregate]],
    england: list[tuple[str, calc.Aggregate]] | None,
    csv_href: str,
    provisional: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Maturity and the share on track by period (beside England's maturity), and its table.
    Provisional periods (still open) are labelled so, never drawn as if final."""
    labels = [period_label(code) + (" *" if code in provisional else "") for code, _ in rows]
    lines = [
        charts.Line(name, [(i, a.maturity) for i, (_, a) in enumerate(rows)], charts.BLUE, "solid", markers=True),
        charts.Line(
            f"{name}: % practices on track",
            [(i, a.share_on_track) for i, (_, a) in enumerate(rows)],
            charts.GREEN,
            "dotted",
        ),
    ]
    if england is not None:
        by_code = dict(england)
        lines.append(
            charts.Line(
                "England",
                [(i, by_code[code].maturity if code in by_code else None) for i, (code, _) in enumerate(rows)],
                charts.GREY,
                "dashed",
            )
        )
    table = TableView(
        "trend",
        "Trend by period",
        [
            Column("period", "Period"),
            Column("maturity", "Maturity (0-100)", numeric=True),
            Column("on_track", "On track", numeric=True),
            Column("completeness", "Returns received", numeric=True),
            Column("timeliness", "On time", numeric=True),
        ],
        csv_href=csv_href,
    )
    for code, a in rows:
        values: list[Any] = [
            period_label(code, code in provisional),
            a.maturity,
            a.share_on_track,
            a.completeness,
            a.timeliness,
        ]
        table.add([values[0], score(a.maturity), pct(a.share_on_track), pct(a.completeness), pct(a.timeliness)], values)
    summary = (
        f"{name}'s maturity index went from {score(rows[0][1].maturity)} in {period_label(rows[0][0])} "
        f"to {score(rows[-1][1].maturity)} in {period_label(rows[-1][0], rows[-1][0] in provisional)}; "
        f"{pct(rows[-1][1].share_on_track)} of its practices were on track in {period_label(rows[-1][0])}."
        + (" Periods marked * are provisional: their returns are still coming in." if provisional else "")
        if rows
        else "No scores yet."
    )
    svg = charts.time_chart(f"{name}: maturity over time", summary, labels, lines)
    return {"svg": svg, "summary": summary, "table": table}


# --- CCG practices -----------------------------------------------------------------------------


PRACTICE_COLUMNS = [
    Column("name", "Practice", sortable=True),
    Column("status", "Status"),
    Column("level", "Level", sortable=True),
    Column("maturity", "Maturity (0-100)", numeric=True, sortable=True),
    Column("indicators", "Indicators on / at risk / off"),
    Column("late", "Late or missing returns", numeric=True, sortable=True),
]
STATUS_ORDER = {calc.OFF_TRACK: 0, calc.AT_RISK: 1, calc.ON_TRACK: 2, "": 3}


def _practice_sort(sort: str) -> Callable[[calc.CcgPractice], Any]:
    def key(r: calc.CcgPractice) -> Any:
        match sort:
            case "name":
                return practice_title(r.name)
            case "level":
                return r.level or 0
            case "late":
                return r.late_returns or 0
            case "status":
                return STATUS_ORDER.get(r.status or "", 3)
        return r.maturity if r.maturity is not None else -1

    return key


def filter_practices(rows: list[calc.CcgPractice], status: str, level: str, q: str) -> list[calc.CcgPractice]:
    out = rows
    if status in STATUS_ORDER:
        out = [r for r in out if (r.status or "") == status] if status else out
    if level.isdigit():
        out = [r for r in out if r.level == int(level)]
    if q.strip():
        needle = q.strip().upper()
        out = [r for r in out if needle in r.name.upper() or r.ods_code.startswith(needle)]
    return out


def practice_table(
    rows: list[calc.CcgPractice],
    sort: str,
    direction: str,
    period_code: str,
    base: str,
    filters: dict[str, str],
    notes: dict[int, str] | None = None,
) -> TableView:
    """`notes`: by practice id, why a practice may no longer be there (closed, or missing from
    the newest ODS file), shown under its name."""
    sort = sort if sort in {"name", "level", "maturity", "late", "status"} else "maturity"
    direction = direction if direction in ("asc", "desc") else "asc"
    table = TableView(
        "practices",
        "Practices",
        PRACTICE_COLUMNS,
        csv_href=query(base, period=period_code, sort=sort, dir=direction, format="csv", table="practices", **filters),
        empty="No practices match these filters.",
    )
    for r in sorted(rows, key=_practice_sort(sort), reverse=direction == "desc"):
        name = practice_title(r.name)
        counts = (
            f"{r.indicators_on_track} / {r.indicators_at_risk} / {r.indicators_off_track}"
            if r.indicators_scored
            else "No approved return"
        )
        table.add(
            [
                (
                    "html",
                    link(f"/dashboards/practices/{r.ods_code}?period={period_code}", name)
                    + f" {r.ods_code}"
                    + _note_html((notes or {}).get(r.id, "")),
                ),
                ("html", status_tag(r.status or "")),
                calc.level_name(r.level) if r.level else "–",
                score(r.maturity),
                counts,
                number(r.late_returns or 0),
            ],
            [
                f"{name} ({r.ods_code})",
                r.status or "",
                calc.level_name(r.level) if r.level else "",
                r.maturity,
                counts,
                r.late_returns or 0,
            ],
        )
    return table


def _note_html(note: str) -> str:
    return f'<br><span class="nhsuk-body-s tracker-ods-note">{escape(note)}</span>' if note else ""


def at_risk_list(rows: list[calc.CcgPractice], period_code: str, base: str, limit: int = 10) -> TableView:
    """Worst first: off track before at risk, then lowest maturity."""
    worrying = [r for r in rows if r.status in (calc.OFF_TRACK, calc.AT_RISK)]
    worrying.sort(key=lambda r: (STATUS_ORDER[r.status], r.maturity if r.maturity is not None else -1))
    table = TableView(
        "at-risk",
        f"Practices furthest behind (worst first, {min(limit, len(worrying))} of {len(worrying)})",
        [
            Column("name", "Practice"),
            Column("status", "Status"),
            Column("maturity", "Maturity (0-100)", numeric=True),
            Column("off", "Indicators off track", numeric=True),
        ],
        csv_href=query(base, period=period_code, format="csv", table="at-risk"),
        empty="No practice is at risk or off track.",
    )
    for r in worrying[:limit]:
        name = practice_title(r.name)
        table.add(
            [
                ("html", link(f"/dashboards/practices/{r.ods_code}?period={period_code}", name)),
                ("html", status_tag(r.status)),
                score(r.maturity),
                number(r.indicators_off_track),
            ],
            [f"{name} ({r.ods_code})", r.status, r.maturity, r.indicators_off_track],
        )
    return table


def distribution(rows: list[calc.CcgPractice], name: str) -> dict[str, Any]:
    """Practices by level and by status: bars labelled with counts; off track hatched."""
    n = len(rows)
    bars = []
    for number_, level_name, lowest in calc.LEVELS:
        count = sum(1 for r in rows if r.level == number_)
        bars.append(charts.Bar(f"{number_} {level_name} ({lowest:.0f}+)", count, plural(count, "practice")))
    for status in (calc.ON_TRACK, calc.AT_RISK, calc.OFF_TRACK):
        count = sum(1 for r in rows if r.status == status)
        colour = {calc.ON_TRACK: charts.GREEN, calc.AT_RISK: charts.ORANGE, calc.OFF_TRACK: charts.RED}[status]
        label = {calc.ON_TRACK: "On track", calc.AT_RISK: "At risk", calc.OFF_TRACK: "Off track"}[status]
        bars.append(charts.Bar(label, count, plural(count, "practice"), colour, hatched=status == calc.OFF_TRACK))
    none = sum(1 for r in rows if r.maturity is None)
    summary = ", ".join(f"{b.label}: {int(b.value)}" for b in bars) + f". Not scored (no approved return): {none}."
    return {
        "svg": charts.bar_chart(f"{name}: practices by level and status", summary, bars, max(n, 1)),
        "summary": summary,
    }


# --- Reporting rates by organisation and period ------------------------------------------------


@dataclass(frozen=True)
class RateOrg:
    """A row of a reporting-rates grid: a CCG of a region or a region of England."""

    id: int
    code: str
    name: str
    href: str


def rates_grid(
    kind: str,
    orgs: list[RateOrg],
    figures: dict[str, dict[int, Any]],
    provisional: frozenset[str],
    csv_href: str,
) -> TableView:
    """Completeness and timeliness by organisation (rows, by name) and period (columns, oldest
    first): each cell "received % / on time %" of the figures service's figures for that
    organisation and period; "–" where the organisation did not exist there then. The CSV has
    both numbers of each period in columns of their own."""
    codes = list(figures)
    labels = [period_label(c) + (" *" if c in provisional else "") for c in codes]
    table = TableView(
        "rates",
        f"Reporting rates by {kind if kind.isupper() else kind.lower()}: returns received % / on time %, "
        f"last {len(codes)} periods" + (" (* provisional)" if provisional & set(codes) else ""),
        [Column("name", kind), *[Column(c, label, numeric=True) for c, label in zip(codes, labels, strict=True)]],
        csv_href=csv_href,
        empty=f"No {kind if kind.isupper() else kind.lower()} expected returns in these periods.",
        csv_columns=[
            kind,
            f"{kind} code",
            *[f"{label} {what}" for label in labels for what in ("received (%)", "on time (%)")],
        ],
    )
    for org in sorted(orgs, key=lambda o: (o.name.casefold(), o.code)):
        name_html = link(org.href, org.name) + f' <span class="nhsuk-body-s">{escape(org.code)}</span>'
        cells: list[tuple[str, Any] | str] = [("html", name_html)]
        values: list[Any] = [org.name, org.code]
        for code in codes:
            f = figures[code].get(org.id)
            if f is None:
                cells.append(("html", '–<span class="nhsuk-u-visually-hidden"> (not in this period)</span>'))
                values += [None, None]
                continue
            cells.append(("html", _rate_cell(f.completeness, f.timeliness)))
            values += [f.completeness, f.timeliness]
        table.add(cells, values)
    return table


def _rate_cell(completeness: float | None, timeliness: float | None) -> str:
    """ "92 / 81": the percentages without their signs, to keep eight periods within the page;
    a screen reader hears "92% received / 81% on time"."""
    hidden = '<span class="nhsuk-u-visually-hidden">{}</span>'
    received, on_time = pct(completeness), pct(timeliness)
    return (
        f"{escape(received.removesuffix('%'))}{hidden.format('% received') if received.endswith('%') else ''} / "
        f"{escape(on_time.removesuffix('%'))}{hidden.format('% on time') if on_time.endswith('%') else ''}"
    )


# --- Finding a CCG among many ---------------------------------------------------------------------

PAGE_SIZE = 25


BEHIND = 10  # how many CCGs "furthest behind" lists


def _behind_key(maturity: float, name: str) -> tuple[float, str]:
    return (maturity, name)


def furthest_behind_ids(
    maturities: Mapping[int, float | None], names: Mapping[int, Any], limit: int = BEHIND
) -> list[int]:
    """The ids of the organisations `furthest_behind` lists (those named, with a score), from
    their maturity alone: no row, nor aggregate, for each of England's CCGs first."""
    scored = (i for i, m in maturities.items() if m is not None and i in names)
    return heapq.nsmallest(
        limit,
        scored,
        key=lambda i: _behind_key(maturities[i] or 0.0, names[i].name or names[i].code),
    )


def furthest_behind(
    rows: list[OrgRow], period_code: str, base: str, limit: int = BEHIND, *, with_region: bool = True
) -> TableView:
    """The CCGs with the lowest maturity index in the period, worst first, with their region
    unless the page is a region's (CCGs without a score yet are left out: they are listed with all
    CCGs)."""
    scored = sorted(
        (r for r in rows if r.agg.maturity is not None), key=lambda r: _behind_key(r.agg.maturity or 0.0, r.name)
    )
    columns = [Column("name", "CCG")]
    if with_region:
        columns.append(Column("parent", "Region"))
    columns += [
        Column("maturity", "Maturity (0-100)", numeric=True),
        Column("completeness", "Returns received", numeric=True),
    ]
    table = TableView(
        "behind",
        f"The {min(limit, len(scored))} CCGs furthest behind (lowest maturity first)",
        columns,
        csv_href=query(base, period=period_code, format="csv", table="behind"),
        empty="No CCG has a score for this period yet.",
    )
    for r in scored[:limit]:
        region_cell: list[Any] = [r.parent] if with_region else []
        table.add(
            [("html", link(r.href, r.name)), *region_cell, score(r.agg.maturity), pct(r.agg.completeness)],
            [f"{r.name} ({r.code})", *region_cell, r.agg.maturity, r.agg.completeness],
        )
    return table


def find_orgs(rows: list[OrgRow], q: str) -> list[OrgRow]:
    """The organisations whose name contains the words searched for, or whose code starts with them."""
    needle = " ".join(q.split()).casefold()
    if not needle:
        return rows
    return [r for r in rows if needle in r.name.casefold() or r.code.casefold().startswith(needle)]


def page_number(text: str, pages: int) -> int:
    """The page asked for, kept between 1 and the last page."""
    return min(max(int(text), 1), max(pages, 1)) if text.isdigit() else 1


def pages_of(count: int, size: int = PAGE_SIZE) -> int:
    return max(1, -(-count // size))


def one_page(table: TableView, page: int, size: int = PAGE_SIZE) -> TableView:
    """The table's rows of one page; its CSV keeps every row."""
    return replace(table, rows=table.rows[(page - 1) * size : page * size])


def pagination(base: str, page: int, pages: int, params: dict[str, str]) -> dict[str, Any]:
    """The previous and next links of the NHS pagination component, keeping the other choices."""
    result: dict[str, Any] = {}
    if page > 1:
        result["previousUrl"] = query(base, **params, page=page - 1)
        result["previousPage"] = f"Page {page - 1} of {pages}"
    if page < pages:
        result["nextUrl"] = query(base, **params, page=page + 1)
        result["nextPage"] = f"Page {page + 1} of {pages}"
    return result
