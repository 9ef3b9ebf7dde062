"""The figures of one organisation in one period, as every surface shows them.

England, a region, a CCG or a practice, with the organisations of the period: read from the
precomputed rows the maturity refresh writes with the rules in `figures.rules`, so a dashboard,
a workbook, an email and the API can only ever show the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from litestar.exceptions import NotFoundException

from tracker.exports import funding_service
from tracker.exports.calculations import FUNDING_KEYS, PracticeRow
from tracker.figures import rules
from tracker.maturity import calculations as calc
from tracker.maturity import service as maturity
from tracker.periods import service as periods
from tracker.periods.service import PeriodLike, PeriodRow

SCOPES = ("england", "region", "ccg", "practice")


@dataclass(frozen=True)
class Figures:
    scope: str
    code: str
    period: str
    provisional: bool
    expected: int
    received: int
    on_time: int
    completeness: float | None  # percent
    timeliness: float | None  # percent
    maturity: float | None  # 0-100, weighted by list size above a practice
    scored: int
    on_track: int
    at_risk: int
    off_track: int
    patients: int
    funding_total_pence: int | None  # allocated to the CCGs up to the period's year; None: no funding data

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _from_aggregate(scope: str, code: str, period: PeriodLike, today: dt.date, a: calc.Aggregate) -> Figures:
    return Figures(
        scope=scope,
        code=code,
        period=period.code,
        provisional=rules.provisional(period.locks_on, today),
        expected=a.practices,
        received=a.submitted,
        on_time=a.on_time,
        completeness=a.completeness,
        timeliness=a.timeliness,
        maturity=None if a.maturity is None else round(a.maturity, 3),
        scored=a.scored,
        on_track=a.on_track,
        at_risk=a.at_risk,
        off_track=a.off_track,
        patients=a.patients,
        funding_total_pence=None,
    )


async def period_by_code(code: str) -> PeriodRow:
    """A period by its code, written either way: 2017/18-Q3 (the tracker's) or 2017-18-Q3 (URLs)."""
    text = code.strip().replace(" ", "-")
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        text = text[:4] + "/" + text[5:]
    row = await periods.by_code(text)
    if row is None:
        raise NotFoundException(f"There is no period {code}")
    return row


async def figures_for(scope: str, org_id: int | None, code: str, period: PeriodRow, today: dt.date) -> Figures:
    """One organisation's figures for a period (`org_id` None for England)."""
    if scope == "practice":
        members = await maturity.period_members(period["id"], "practice", org_id)
        facts = [
            calc.PracticeFacts(m.maturity, m.status, m.patients, m.expected, m.received, m.on_time) for m in members
        ]
        return _from_aggregate(scope, code, period, today, calc.aggregate(facts))
    key = maturity.ENGLAND if org_id is None else org_id
    found = await maturity.org_scores(scope, period["id"], key)
    result = _from_aggregate(scope, code, period, today, found.get(key) or calc.aggregate([]))
    funding = await _funding_total(scope, org_id, period)
    return replace(result, funding_total_pence=funding)


async def _funding_total(scope: str, org_id: int | None, period: PeriodRow) -> int | None:
    """Money allocated to the scope's CCGs for the financial years up to the period's, as the
    workbooks' "Total allocated" (fair shares, transition, capital, reallocations)."""
    export_scope = {"england": "national"}.get(scope, scope)
    funding = await funding_service.funding_for(export_scope, org_id, period, list[PracticeRow]())
    if not funding.available:
        return None
    return sum(row.get(k, 0) for row in funding.by_ccg.values() for k in FUNDING_KEYS if k not in ("to_practices",))


async def children_figures(
    child: str, parent_id: int | None, periods_shown: Sequence[PeriodLike], today: dt.date
) -> dict[str, dict[int, Figures]]:
    """The figures of every region of England (`child` "region") or every CCG of a region (`child`
    "ccg", `parent_id` the region) in each of the periods, by period code then organisation id:
    the organisations of each period (a CCG under the region it was in then), from the same rows
    as `figures_for` (without the funding total, which the reporting-rates grids do not show)."""
    out: dict[str, dict[int, Figures]] = {}
    names = await _codes(child)
    ids = [p.id for p in periods_shown]
    regions_then = await maturity.ccg_regions_by_period(ids) if child == "ccg" and parent_id is not None else {}
    # A region's CCGs only (those it had in any of the periods), not every CCG in England.
    members = {c for then in regions_then.values() for c, r in then.items() if r == parent_id} if regions_then else None
    scores = await maturity.org_scores_by_period(child, ids, deciles=False, org_ids=members)
    for period in periods_shown:
        found = scores[period.id]
        if child == "ccg" and parent_id is not None:
            then = regions_then[period.id]
            found = {i: a for i, a in found.items() if then.get(i) == parent_id}
        out[period.code] = {
            org_id: _from_aggregate(child, names.get(org_id, str(org_id)), period, today, a)
            for org_id, a in found.items()
        }
    return out


async def _codes(scope: str) -> dict[int, str]:
    regions, ccgs = await maturity.org_names()
    if scope == "region":
        return {i: r.code for i, r in regions.items()}
    return {i: r.code for i, r in ccgs.items()}
