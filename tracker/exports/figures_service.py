"""Trend and area figures of an export from the precomputed practice scores: the maturity
dashboards' own numbers, with each practice under the CCG and region of each period."""

from __future__ import annotations

from collections.abc import Mapping

from tracker.exports.calculations import Area, TrendRow
from tracker.exports.scope import Target, as_date
from tracker.maturity import calculations as mcalc
from tracker.maturity import service as maturity
from tracker.maturity.calculations import Aggregate
from tracker.organisations import service as organisations
from tracker.periods.service import PeriodRow


async def maturity_figures(
    t: Target, period: PeriodRow, top: Area, rows: list[maturity.Member]
) -> tuple[dict[str, Aggregate], list[TrendRow]]:
    """The dashboards' figures: their aggregate (maturity.calculations.aggregate) over the same
    precomputed practice scores (`rows`: the maturity feature's period members of the scope), for
    the scope, its regions and its CCGs. Empty before scoring."""
    if not rows:
        return {}, []
    regions, ccgs = await organisations.org_names()
    names: dict[str, Mapping[int, organisations.RegionName | organisations.CcgName]] = {
        "region_id": regions,
        "ccg_id": ccgs,
    }
    facts = [r.facts() for r in rows]  # each practice counts in the scope, its region and its CCG
    aggregates: dict[str, Aggregate] = {"": mcalc.aggregate(facts)}
    for key, known in names.items():
        grouped: dict[int, list[mcalc.PracticeFacts]] = {}
        for r, fact in zip(rows, facts, strict=True):
            area_id = r.region_id if key == "region_id" else r.ccg_id
            if area_id is not None and area_id in known:
                grouped.setdefault(area_id, []).append(fact)
        for area_id, grouped_facts in grouped.items():
            aggregates[known[area_id].code] = mcalc.aggregate(grouped_facts)
    child = {"national": "region_id", "region": "ccg_id"}.get(t.scope)
    return aggregates, await _score_trend(t, period, top, child, names.get(child or "", {}))


async def _score_trend(
    t: Target,
    period: PeriodRow,
    top: Area,
    child: str | None,
    names: Mapping[int, organisations.RegionName | organisations.CcgName],
) -> list[TrendRow]:
    """Per period up to the chosen one, from the maturity feature's trend sums, as the dashboards'
    trend: maturity weighted by list size, statuses, and returns of the practices expected to report."""
    start = as_date(period["start_date"])
    rows = await maturity.trend_sums(t.scope, t.id, start, child) if start is not None else []
    by_period: dict[str, list[maturity.TrendSums]] = {}
    for r in rows:
        by_period.setdefault(r.period_code, []).append(r)
    out: list[TrendRow] = []
    for code, members in by_period.items():
        out.append(_score_trend_row(code, top, members))
        if child:
            for r in members:
                found = names.get(r.area) if r.area is not None else None
                if found is not None:
                    out.append(_score_trend_row(code, Area(found.code, found.name), [r]))
    return out


def _score_trend_row(code: str, area: Area, rows: list[maturity.TrendSums]) -> TrendRow:
    weight = sum(r.patients_weighted for r in rows)
    counted = sum(r.maturity_count for r in rows)
    mean: float | None
    if weight > 0:
        mean = sum(r.maturity_x_patients for r in rows) / weight
    else:
        mean = sum(r.maturity_sum for r in rows) / counted if counted else None
    return TrendRow(
        period_code=code,
        area_code=area.code,
        area_name=area.name,
        practices=sum(r.expected for r in rows),
        received=sum(r.submitted for r in rows),
        on_time=sum(r.on_time for r in rows),
        mean_maturity=mean,
        scored=sum(r.graded for r in rows),
        on_track=sum(r.on_track for r in rows),
    )


# Where the data an export shows last changed. Scores are left out: they are derived from the
# returns, and recomputing them without a change must not change the file.
