"""The alerts of each CCG's practices, and of each region's or England's CCGs, from the figures the
dashboards show: practices' approved values and the national deciles from the maturity service,
each organisation's headline figures from the figures service. Reads no table itself.

A CCG's alerts are about its practices, against every practice in England that quarter (the
indicator page's deciles). A region's and England's are about CCGs, against every CCG in England
that quarter (the deciles of the CCGs' means, as the indicator page's CCG table shows them).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from tracker.alerts import detect
from tracker.alerts.calculations import ccg_histories, decile_series, practice_histories
from tracker.figures import service as figures
from tracker.indicators import service as indicators
from tracker.maturity import calculations as maturity_calc
from tracker.maturity import service as maturity
from tracker.organisations import service as organisations

# Yes/no indicators have no spread to rank within: a practice offers the service or it does not.
UNITS = ("percent", "count")


@dataclass(frozen=True)
class Basis:
    """What every organisation's alerts are worked out from, read once per run."""

    periods: list[maturity.ScoredPeriod]  # oldest first, up to the dashboards' latest closed period
    measures: list[tuple[int, detect.Measure]]  # (indicator id, measure)
    practice_cuts: dict[str, list[list[float] | None]]  # indicator code -> deciles per period
    ccg_means: dict[str, dict[int, list[float | None]]]  # indicator code -> CCG id -> mean per period
    ccg_cuts: dict[str, list[list[float] | None]]
    ccgs: dict[int, organisations.CcgName] = field(default_factory=dict)
    regions: dict[int, organisations.RegionName] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return [p.code.replace("-", " ") for p in self.periods]

    @property
    def latest(self) -> maturity.ScoredPeriod:
        return self.periods[-1]


async def basis(today: dt.date) -> Basis | None:
    """None when nothing has been scored yet."""
    await maturity.ensure_scored(today)
    try:
        latest, choices = await maturity.choose_period(None, today)
    except maturity.NoScores:
        return None
    periods = [p for p in choices if p.start_date <= latest.start_date]
    index = {p.id: i for i, p in enumerate(periods)}
    ids = await indicators.indicator_ids()
    measures = [
        (ids[s.code], detect.Measure(s.code, s.name, s.unit, s.higher_is_better))
        for s in await indicators.active_indicators()
        if s.unit in UNITS and s.code in ids
    ]
    practice_cuts: dict[str, list[list[float] | None]] = {}
    ccg_means: dict[str, dict[int, list[float | None]]] = {}
    ccg_cuts: dict[str, list[list[float] | None]] = {}
    # Every indicator's statistics and CCG means in one read each, not two reads per indicator.
    stats_of = await maturity.indicator_stats_of([i for i, _ in measures])
    means_of = await maturity.ccg_means_of([i for i, _ in measures], [p.id for p in periods])
    for indicator_id, m in measures:
        stats = stats_of[indicator_id]
        practice_cuts[m.code] = decile_series(
            len(periods), [(index[r.period_id], r.deciles) for r in stats if r.period_id in index]
        )
        means: dict[int, list[float | None]] = defaultdict(lambda: [None] * len(periods))
        for r in means_of[indicator_id]:
            means[r.ccg_id][index[r.period_id]] = r.mean
        ccg_means[m.code] = dict(means)
        ccg_cuts[m.code] = [maturity_calc.deciles(series[i] for series in means.values()) for i in range(len(periods))]
    regions, ccgs = await maturity.org_names()
    return Basis(periods, measures, practice_cuts, ccg_means, ccg_cuts, dict(ccgs), dict(regions))


async def ccg_alerts(b: Basis, ccg_id: int) -> list[detect.Alert]:
    """Alerts about the practices counted under the CCG in the latest period."""
    members = await maturity.period_members(b.latest.id, "ccg", ccg_id)
    ids = [m.practice_id for m in members if m.expected or m.received]
    if not ids:
        return []
    names = await organisations.practice_names(set(ids))
    values = await maturity.practices_values(ids)
    out: list[detect.Alert] = []
    for _, m in b.measures:
        histories = practice_histories(m.code, [p.id for p in b.periods], values, names)
        out += detect.detect(m, b.labels, histories, b.practice_cuts[m.code])
    return out


def ccgs_alerts(b: Basis, ccg_ids: set[int] | None = None) -> list[detect.Alert]:
    """Alerts about CCGs (all of them, or those given), against every CCG in England."""
    out: list[detect.Alert] = []
    for _, m in b.measures:
        histories = ccg_histories(b.ccg_means[m.code], b.ccgs, ccg_ids)
        out += detect.detect(m, b.labels, histories, b.ccg_cuts[m.code])
    return out


@dataclass(frozen=True, slots=True)
class Headline:
    """The organisation's and England's figures for the latest period, as a digest opens with them
    (England's own digest has its figures twice)."""

    period_label: str
    own: figures.Figures
    england: figures.Figures


async def headline(b: Basis, scope: str, org_id: int | None, code: str, today: dt.date) -> Headline:
    """The organisation's and England's figures for the latest period, from the figures service
    (the numbers the dashboards and the figures API give)."""
    period = await figures.period_by_code(b.latest.code)
    own = await figures.figures_for(scope, org_id, code, period, today)
    england = own if scope == "england" else await figures.figures_for("england", None, "ENG", period, today)
    return Headline(period_label=b.labels[-1], own=own, england=england)
