"""Loading what the "what each pound bought" analysis needs, at request time.

Maturity comes from PracticeScore (precomputed by the maturity feature). When no score has been
computed yet, an estimate is made from approved return values (each indicator's attainment of
its target, 0-100, averaged), and the page says so. Indicator values are approved returns only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tracker import db
from tracker.funding.awards_service import award_indicators
from tracker.funding.impact import AwardFacts, AwardImpact, PracticeFacts, analyse
from tracker.funding.service import ccg_ids_in
from tracker.indicators import service as indicators
from tracker.maturity import service as maturity
from tracker.organisations import service as organisations
from tracker.organisations.service import PracticeToday
from tracker.periods import service as periods_service
from tracker.returns import facts_service as return_facts


@dataclass
class ImpactData:
    impacts: list[AwardImpact]
    period_codes: list[str]
    source: str  # "scores" | "estimated" | "none"
    ccg_names: dict[str, str]
    stream_names: dict[str, str]
    practices: dict[int, PracticeToday]


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


async def _scores(
    period_index: dict[int, int], practice_ids: list[int] | None
) -> tuple[dict[int, dict[int, float]], str]:
    """Maturity by practice and period index; only the given practices' when named (a comparison
    group never reaches beyond the funded practice's region)."""
    rows = await maturity.maturities(practice_ids)
    source = "scores"
    if not rows:
        source = "estimated"
        rows = await _estimates(list(period_index), practice_ids)
    out: dict[int, dict[int, float]] = {}
    for practice, period, value in rows:
        if period in period_index:
            out.setdefault(practice, {})[period_index[period]] = float(value)
    if not out:
        source = "none"
    return out, source


async def _estimates(period_ids: list[int], practice_ids: list[int] | None) -> list[tuple[int, int, float]]:
    """(practice, period, mean attainment of its percent and yes/no indicators' targets, 0-100)
    from approved values."""
    targets = {
        i: (spec.unit == "yesno", spec.target_value)
        for i, spec in (await indicators.by_id()).items()
        if spec.unit in ("yesno", "percent")
    }
    totals: dict[tuple[int, int], list[float]] = {}  # running sum and count: the values are never all held

    def add(rows: Iterable[tuple[int, int, int, float | None]]) -> None:
        for practice, period, indicator, value in rows:
            target = targets.get(indicator)
            if target is None or value is None:
                continue
            yes_no, goal = target
            if yes_no:
                reached = value * 100.0
            elif goal is None or goal <= 0:
                continue
            else:
                reached = 100.0 if value >= goal else value * 100.0 / goal
            total = totals.get((practice, period))
            if total is None:
                totals[(practice, period)] = [reached, 1]
            else:
                total[0] += reached
                total[1] += 1

    if practice_ids is None:
        for period in period_ids:  # nationally, a period at a time through the bulk reader
            add((practice, period, i, value) for practice, i, value in await return_facts.approved_values(period))
    else:
        add(await return_facts.approved_values_of_many(practice_ids))
    return [(practice, period, total / n) for (practice, period), (total, n) in totals.items()]


async def load(
    *,
    ccg_id: int | None = None,
    region_id: int | None = None,
    practice_id: int | None = None,
    stream_code: str | None = None,
) -> ImpactData:
    periods = sorted(await periods_service.all_periods(), key=lambda p: _date(p["end_date"]))
    period_index = {p["id"]: i for i, p in enumerate(periods)}
    period_ends = [_date(p["end_date"]) for p in periods]
    _, ccgs = await organisations.org_names()
    filters: list[str] = []
    args: list[Any] = []
    if ccg_id is not None:
        filters.append("a.ccg = {}")
        args.append(ccg_id)
    if region_id is not None:
        in_region = await ccg_ids_in(region_id) or [0]  # no CCG in the region: no award
        filters.append("a.ccg IN (" + ", ".join("{}" for _ in in_region) + ")")
        args.extend(in_region)
    if practice_id is not None:
        filters.append("a.practice = {}")
        args.append(practice_id)
    if stream_code:
        filters.append("s.code = {}")
        args.append(stream_code)
    where = ("WHERE " + " AND ".join(filters)) if filters else ""
    award_rows = await db.fetch(
        f"""
        SELECT a.id, a.practice, a.ccg, a.award_date, a.amount_pence, s.code AS stream
        FROM practice_award a JOIN funding_stream s ON s.id = a.stream
        {where} ORDER BY a.award_date, a.id
        """,  # noqa: S608 (filters are constants with bound values)
        *args,
    )
    links = await award_indicators([r["id"] for r in award_rows])
    awards = [
        AwardFacts(
            award_id=r["id"],
            practice_id=r["practice"],
            stream=r["stream"],
            ccg_code=ccgs[r["ccg"]].code,
            award_date=_date(r["award_date"]),
            amount_pence=int(r["amount_pence"]),
            indicators=tuple(links.get(r["id"], [])),
        )
        for r in award_rows
    ]
    everyone = await organisations.practices_today()
    in_scope = None
    if ccg_id is not None or region_id is not None or practice_id is not None:
        regions = {ccgs[r["ccg"]].region_id for r in award_rows} - {None}
        in_scope = [p.id for p in everyone if p.region_id in regions]
    scores, source = await _scores(period_index, in_scope)
    ever_funded = {r["practice"] for r in await db.fetch("SELECT DISTINCT practice FROM practice_award")}
    chosen = [p for p in everyone if p.status == "A" or p.id in ever_funded]
    practices = {
        p.id: PracticeFacts(p.id, p.ccg_id, p.region_id, int(p.patients or 0), scores.get(p.id, {})) for p in chosen
    }
    values = await _indicator_values(awards, period_index, period_ends)
    funded = {a.practice_id for a in awards}
    impacts = analyse(awards, practices, period_ends, values)
    stream_names = {r["code"]: r["name"] for r in await db.fetch("SELECT code, name FROM funding_stream")}
    return ImpactData(
        impacts=impacts,
        period_codes=[p["code"] for p in periods],
        source=source,
        ccg_names={r.code: r.name or r.code for r in ccgs.values()},
        stream_names=stream_names,
        practices={p.id: p for p in chosen if p.id in funded},
    )


async def _indicator_values(
    awards: list[AwardFacts], period_index: dict[int, int], period_ends: list[dt.date]
) -> dict[tuple[int, str], dict[int, float]]:
    """For each award's linked indicators: the approved value in the last period that ended
    before the award, and the latest one after it (only the linked indicators' values are read)."""
    ids = await indicators.indicator_ids()
    pairs = {(a.practice_id, ids[code]) for a in awards for code in a.indicators if code in ids}
    if not pairs:
        return {}
    history: dict[tuple[int, int], dict[int, float]] = {}
    for practice, period, indicator, value in await return_facts.approved_values_for(pairs):
        if period in period_index:
            history.setdefault((practice, indicator), {})[period_index[period]] = float(value)
    out: dict[tuple[int, str], dict[int, float]] = {}
    for a in awards:
        for code in a.indicators:
            found = history.get((a.practice_id, ids.get(code, 0)), {})
            before = [i for i in found if period_ends[i] < a.award_date]
            after = [i for i in found if period_ends[i] >= a.award_date]
            for index in (max(before, default=None), max(after, default=None)):
                if index is not None:
                    out.setdefault((a.award_id, code), {})[index] = found[index]
    return out
