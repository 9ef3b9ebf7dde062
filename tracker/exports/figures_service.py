"""Trend and area figures of an export from the precomputed practice scores (the maturity
dashboards' own numbers), with a fallback counted from the returns before anything is scored."""

from __future__ import annotations

from typing import Any

from tracker import db
from tracker.exports.calculations import Area, TrendRow
from tracker.exports.scope import REGION_OF, Target, as_date, where_clause
from tracker.maturity import calculations as mcalc
from tracker.maturity.calculations import Aggregate
from tracker.maturity.service import practice_facts
from tracker.tables import Period


async def returns_trend(t: Target, period: dict[str, Any], top: Area) -> list[TrendRow]:
    """Per period up to the chosen one: the scope's own figures, then each region's (national) or
    each CCG's (region). Practices are those open now."""
    where, args = where_clause(t)
    group = {"national": REGION_OF.format(alias="p"), "region": "p.ccg"}.get(t.scope)
    start = as_date(period["start_date"])
    submitted_on = "date(r.first_submitted_at)" if db.is_sqlite() else "CAST(r.first_submitted_at AS DATE)"
    key = group or "p.ccg"  # a CCG export has one group: the CCG itself
    counts = await db.fetch(
        f"""SELECT pe.code AS period_code, {key} AS area,
                   COUNT(r.first_submitted_at) AS received,
                   SUM(CASE WHEN r.first_submitted_at IS NOT NULL AND {submitted_on} <= pe.due_on
                       THEN 1 ELSE 0 END) AS on_time
            FROM practice_return r JOIN period pe ON pe.id = r.period JOIN practice p ON p.id = r.practice
            WHERE pe.start_date <= {{}} AND p.status = 'A'{where}
            GROUP BY pe.code, {key}""",  # noqa: S608
        start,
        *args,
    )
    scores = await db.fetch(
        f"""SELECT pe.code AS period_code, {key} AS area, AVG(s.maturity) AS mean_maturity,
                   COUNT(s.maturity) AS scored,
                   SUM(CASE WHEN s.status = 'on_track' AND s.maturity IS NOT NULL THEN 1 ELSE 0 END) AS on_track
            FROM practice_score s JOIN period pe ON pe.id = s.period JOIN practice p ON p.id = s.practice
            WHERE pe.start_date <= {{}} AND p.status = 'A'{where}
            GROUP BY pe.code, {key}""",  # noqa: S608
        start,
        *args,
    )
    sizes = await db.fetch(
        f"SELECT {key} AS area, COUNT(*) AS n FROM practice p WHERE p.status = 'A'{where} GROUP BY {key}",  # noqa: S608
        *args,
    )
    period_codes = [
        r["code"]
        for r in await Period.select(Period.code).where(Period.start_date <= start).order_by(Period.start_date)
    ]
    areas: list[tuple[Any, Area]] = []
    if group:
        table = "region" if t.scope == "national" else "ccg"
        names = await db.fetch(f"SELECT id, code, name FROM {table}")  # noqa: S608
        by_id = {r["id"]: r for r in names}
        for s in sizes:
            found = by_id.get(s["area"])
            areas.append((s["area"], Area(found["code"], found["name"]) if found else Area("", "(none)")))
        areas.sort(key=lambda a: (a[1].name, a[1].code))
    count_by = {(r["period_code"], r["area"]): r for r in counts}
    score_by = {(r["period_code"], r["area"]): r for r in scores}
    size_by = {s["area"]: s["n"] for s in sizes}
    out: list[TrendRow] = []
    for code in period_codes:
        keys = list(size_by)
        out.append(_trend_row(code, top, keys, size_by, count_by, score_by))
        for area_key, area in areas:
            out.append(_trend_row(code, area, [area_key], size_by, count_by, score_by))
    return out


def _trend_row(code: str, area: Area, keys: list[Any], sizes: dict, counts: dict, scores: dict) -> TrendRow:
    c = [counts[(code, k)] for k in keys if (code, k) in counts]
    s = [scores[(code, k)] for k in keys if (code, k) in scores]
    scored = sum(int(x["scored"] or 0) for x in s)
    weighted = sum(float(x["mean_maturity"]) * int(x["scored"]) for x in s if x["mean_maturity"] is not None)
    return TrendRow(
        period_code=code,
        area_code=area.code,
        area_name=area.name,
        practices=sum(sizes.get(k, 0) for k in keys),
        received=sum(int(x["received"] or 0) for x in c),
        on_time=sum(int(x["on_time"] or 0) for x in c),
        mean_maturity=weighted / scored if scored else None,
        scored=scored,
        on_track=sum(int(x["on_track"] or 0) for x in s),
    )


async def maturity_figures(t: Target, period: dict[str, Any], top: Area) -> tuple[dict[str, Aggregate], list[TrendRow]]:
    """The dashboards' figures: their aggregate (maturity.calculations.aggregate) over the same
    precomputed practice_score rows, for the scope, its regions and its CCGs. Empty before scoring."""
    where = {"region": " AND s.region_id = {}", "ccg": " AND s.ccg_id = {}"}.get(t.scope, "")
    args = (t.id,) if t.id else ()
    rows = await db.fetch(
        f"""SELECT s.ccg_id, s.region_id, s.maturity, s.status, s.patients, s.expected, s.submitted, s.on_time
            FROM practice_score s WHERE s.period = {{}}{where}""",  # noqa: S608 (fixed fragments; values bound)
        period["id"],
        *args,
    )
    if not rows:
        return {}, []
    names = {
        "region_id": {r["id"]: r for r in await db.fetch("SELECT id, code, name FROM region")},
        "ccg_id": {r["id"]: r for r in await db.fetch("SELECT id, code, name FROM ccg")},
    }
    aggregates: dict[str, Aggregate] = {"": mcalc.aggregate(practice_facts(r) for r in rows)}
    for key, known in names.items():
        grouped: dict[int, list[mcalc.PracticeFacts]] = {}
        for r in rows:
            if r[key] in known:
                grouped.setdefault(r[key], []).append(practice_facts(r))
        for area_id, facts in grouped.items():
            aggregates[known[area_id]["code"]] = mcalc.aggregate(facts)
    child = {"national": "region_id", "region": "ccg_id"}.get(t.scope)
    return aggregates, await _score_trend(t, period, top, child, names.get(child or "", {}))


async def _score_trend(
    t: Target, period: dict[str, Any], top: Area, child: str | None, names: dict[int, dict[str, Any]]
) -> list[TrendRow]:
    """Per period up to the chosen one, from practice_score as the dashboards' trend: maturity
    weighted by list size, statuses, and returns of the practices expected to report."""
    where = {"region": " AND s.region_id = {}", "ccg": " AND s.ccg_id = {}"}.get(t.scope, "")
    args = (t.id,) if t.id else ()
    group = f"s.{child}" if child else "0"
    rows = await db.fetch(
        f"""SELECT p.code, {"s." + child if child else "NULL"} AS area,
               SUM(CASE WHEN s.maturity IS NOT NULL AND s.patients > 0 THEN s.maturity * s.patients END) AS mp,
               SUM(CASE WHEN s.maturity IS NOT NULL AND s.patients > 0 THEN s.patients END) AS pw,
               SUM(CASE WHEN s.maturity IS NOT NULL THEN s.maturity END) AS m_sum,
               COUNT(s.maturity) AS m_count,
               SUM(CASE WHEN s.status = 'on_track' THEN 1 ELSE 0 END) AS on_track,
               SUM(CASE WHEN s.status IN ('on_track', 'at_risk', 'off_track') THEN 1 ELSE 0 END) AS graded,
               SUM(CASE WHEN s.expected THEN 1 ELSE 0 END) AS expected,
               SUM(CASE WHEN s.expected AND s.submitted THEN 1 ELSE 0 END) AS submitted,
               SUM(CASE WHEN s.expected AND s.on_time THEN 1 ELSE 0 END) AS on_time
            FROM practice_score s JOIN period p ON p.id = s.period
            WHERE p.start_date <= {{}}{where}
            GROUP BY p.code, p.start_date{", " + group if child else ""}
            ORDER BY p.start_date""",  # noqa: S608 (fixed fragments; values bound)
        as_date(period["start_date"]),
        *args,
    )
    by_period: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_period.setdefault(r["code"], []).append(r)
    out: list[TrendRow] = []
    for code, members in by_period.items():
        out.append(_score_trend_row(code, top, members))
        if child:
            for r in members:
                found = names.get(r["area"])
                if found is not None:
                    out.append(_score_trend_row(code, Area(found["code"], found["name"]), [r]))
    return out


def _score_trend_row(code: str, area: Area, rows: list[dict[str, Any]]) -> TrendRow:
    def total(key: str) -> float:
        return sum(float(r[key] or 0) for r in rows)

    mean: float | None
    if total("pw") > 0:
        mean = total("mp") / total("pw")
    else:
        mean = total("m_sum") / total("m_count") if total("m_count") else None
    return TrendRow(
        period_code=code,
        area_code=area.code,
        area_name=area.name,
        practices=int(total("expected")),
        received=int(total("submitted")),
        on_time=int(total("on_time")),
        mean_maturity=mean,
        scored=int(total("graded")),
        on_track=int(total("on_track")),
    )


# Where the data an export shows last changed. Scores are left out: they are derived from the
# returns, and recomputing them without a change must not change the file.
