"""Trend and area figures of an export from the precomputed practice scores: the maturity
dashboards' own numbers, with each practice under the CCG and region of each period."""

from __future__ import annotations

from typing import Any

from tracker import db
from tracker.exports.calculations import Area, TrendRow
from tracker.exports.scope import Target, as_date
from tracker.maturity import calculations as mcalc
from tracker.maturity.calculations import Aggregate
from tracker.maturity.service import practice_facts


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
