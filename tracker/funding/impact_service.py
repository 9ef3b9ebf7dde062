"""Loading what the "what each pound bought" analysis needs, at request time.

Maturity comes from PracticeScore (precomputed by the maturity feature). When no score has been
computed yet, an estimate is made from approved return values (each indicator's attainment of
its target, 0-100, averaged), and the page says so. Indicator values are approved returns only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tracker import db
from tracker.funding.awards_service import award_indicators
from tracker.funding.impact import AwardFacts, AwardImpact, PracticeFacts, analyse


@dataclass
class ImpactData:
    impacts: list[AwardImpact]
    period_codes: list[str]
    source: str  # "scores" | "estimated" | "none"
    ccg_names: dict[str, str]
    stream_names: dict[str, str]
    practices: dict[int, dict[str, Any]]


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


_IN_REGIONS = """practice IN (SELECT p.id FROM practice p LEFT JOIN ccg c ON c.id = p.ccg
                   WHERE COALESCE(c.region, p.region) IN ({marks}))"""


async def _scores(
    period_index: dict[int, int], region_ids: list[int] | None = None
) -> tuple[dict[int, dict[int, float]], str]:
    """Maturity by practice and period index; only the given regions' practices when named
    (a comparison group never reaches beyond the funded practice's region)."""
    where, args = "", []
    if region_ids is not None:
        where = " AND " + _IN_REGIONS.format(marks=", ".join("{}" for _ in region_ids or [0]))
        args = list(region_ids or [0])
    rows = await db.fetch(
        "SELECT practice, period, maturity FROM practice_score WHERE maturity IS NOT NULL" + where,  # noqa: S608
        *args,
    )
    source = "scores"
    if not rows:
        source = "estimated"
        rows = await db.fetch(
            f"""
            SELECT pr.practice, pr.period,
                   AVG(CASE WHEN i.unit = 'yesno' THEN rv.value * 100.0
                            WHEN i.target_value IS NULL OR i.target_value <= 0 THEN NULL
                            WHEN rv.value >= i.target_value THEN 100.0
                            ELSE rv.value * 100.0 / i.target_value END) AS maturity
            FROM return_value rv JOIN practice_return pr ON pr.id = rv.practice_return
                 JOIN indicator i ON i.id = rv.indicator
            WHERE pr.state = 'approved' AND rv.value IS NOT NULL AND i.unit IN ('yesno', 'percent')
            {where.replace("practice IN", "pr.practice IN")}
            GROUP BY pr.practice, pr.period
            """,  # noqa: S608 (placeholders only)
            *args,
        )
    out: dict[int, dict[int, float]] = {}
    for r in rows:
        if r["maturity"] is None or r["period"] not in period_index:
            continue
        out.setdefault(r["practice"], {})[period_index[r["period"]]] = float(r["maturity"])
    if not out:
        source = "none"
    return out, source


async def load(
    *,
    ccg_id: int | None = None,
    region_id: int | None = None,
    practice_id: int | None = None,
    stream_code: str | None = None,
) -> ImpactData:
    periods = await db.fetch("SELECT id, code, end_date FROM period ORDER BY end_date")
    period_index = {p["id"]: i for i, p in enumerate(periods)}
    period_ends = [_date(p["end_date"]) for p in periods]
    filters: list[str] = []
    args: list[Any] = []
    if ccg_id is not None:
        filters.append("a.ccg = {}")
        args.append(ccg_id)
    if region_id is not None:
        filters.append("c.region = {}")
        args.append(region_id)
    if practice_id is not None:
        filters.append("a.practice = {}")
        args.append(practice_id)
    if stream_code:
        filters.append("s.code = {}")
        args.append(stream_code)
    where = ("WHERE " + " AND ".join(filters)) if filters else ""
    award_rows = await db.fetch(
        f"""
        SELECT a.id, a.practice, a.award_date, a.amount_pence, s.code AS stream, c.code AS ccg_code
        FROM practice_award a JOIN funding_stream s ON s.id = a.stream JOIN ccg c ON c.id = a.ccg
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
            ccg_code=r["ccg_code"],
            award_date=_date(r["award_date"]),
            amount_pence=int(r["amount_pence"]),
            indicators=tuple(links.get(r["id"], [])),
        )
        for r in award_rows
    ]
    regions = None
    if ccg_id is not None or region_id is not None or practice_id is not None:
        ccg_region = {r["code"]: r["region"] for r in await db.fetch("SELECT code, region FROM ccg")}
        regions = sorted({ccg_region[r["ccg_code"]] for r in award_rows if ccg_region.get(r["ccg_code"]) is not None})
    scores, source = await _scores(period_index, regions)
    practice_rows = await db.fetch(
        """
        SELECT p.id, p.ods_code, p.name, p.ccg, COALESCE(c.region, p.region) AS region,
               (SELECT l.patients FROM list_size l WHERE l.practice = p.id
                ORDER BY l.snapshot_date DESC LIMIT 1) AS patients
        FROM practice p LEFT JOIN ccg c ON c.id = p.ccg
        WHERE p.status = 'A' OR EXISTS (SELECT 1 FROM practice_award a WHERE a.practice = p.id)
        """
    )
    practices = {
        r["id"]: PracticeFacts(r["id"], r["ccg"], r["region"], int(r["patients"] or 0), scores.get(r["id"], {}))
        for r in practice_rows
    }
    values = await _indicator_values(awards, period_index)
    funded = {a.practice_id for a in awards}
    impacts = analyse(awards, practices, period_ends, values)
    ccg_names = {r["code"]: r["name"] or r["code"] for r in await db.fetch("SELECT code, name FROM ccg")}
    stream_names = {r["code"]: r["name"] for r in await db.fetch("SELECT code, name FROM funding_stream")}
    return ImpactData(
        impacts=impacts,
        period_codes=[p["code"] for p in periods],
        source=source,
        ccg_names=ccg_names,
        stream_names=stream_names,
        practices={r["id"]: r for r in practice_rows if r["id"] in funded},
    )


async def _indicator_values(
    awards: list[AwardFacts], period_index: dict[int, int]
) -> dict[tuple[int, str], dict[int, float]]:
    """For each award's linked indicators: the approved value in the last period that ended
    before the award, and the latest one after it (a window function picks them in SQL, so
    two rows per link come back rather than every period's values). `state || ''` keeps
    SQLite's planner off the state index (every approved return) and on the awards."""
    if not any(a.indicators for a in awards):
        return {}
    # A page about a few awards names them (the planner then starts from those awards).
    chosen = sorted({a.award_id for a in awards}) if len(awards) <= 500 else []
    only = ("AND a.id IN (" + ", ".join("{}" for _ in chosen) + ")") if chosen else ""
    rows = await db.fetch(
        f"""
        SELECT x.award, x.period, x.code, x.value FROM (
          SELECT a.id AS award, a.practice, pr.period, i.code, rv.value,
                 ROW_NUMBER() OVER (
                   PARTITION BY ai.id, CASE WHEN pe.end_date < a.award_date THEN 0 ELSE 1 END
                   ORDER BY pe.end_date DESC) AS rn
          FROM practice_award_indicator ai
               JOIN practice_award a ON a.id = ai.award
               JOIN indicator i ON i.id = ai.indicator
               JOIN practice_return pr ON pr.practice = a.practice
               JOIN period pe ON pe.id = pr.period
               JOIN return_value rv ON rv.practice_return = pr.id AND rv.indicator = ai.indicator
          WHERE pr.state || '' = 'approved' AND rv.value IS NOT NULL {only}
        ) x WHERE x.rn = 1
        """,  # noqa: S608 (placeholders only)
        *chosen,
    )
    wanted = {(a.award_id, code) for a in awards for code in a.indicators}
    out: dict[tuple[int, str], dict[int, float]] = {}
    for r in rows:
        key = (r["award"], r["code"])
        if key in wanted and r["period"] in period_index:
            out.setdefault(key, {})[period_index[r["period"]]] = float(r["value"])
    return out
