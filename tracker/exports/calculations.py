"""The export's figures, pure: a Dataset gathered by the service, and its aggregation into area rows.

Expected, received, on time, completeness, timeliness and maturity are defined once, in
`tracker.figures.rules` (the About sheet quotes them); the practices of an area are those the
dashboards count under it in the period. The workbook's own columns:
- latest value: the indicator's value in the practice's latest approved return up to the period;
- mean value: mean of the practices' latest values (practices with no value are left out);
- meeting target: share of the practices with a latest value that are at or above the target.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from statistics import fmean
from typing import Any

from tracker.maturity.calculations import Aggregate, PracticeForecast, forecast_share

NOT_AVAILABLE = "not available yet"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FUNDING_KEYS = ("fair_share", "transition", "capital", "reallocation", "to_practices")
# The Practices sheet's heading over `PracticeRow.latest_period`, which the About sheet names too.
LATEST_PERIOD_HEADING = "Values from period"
# The area sheets' and the Summary's heading over the share of practices forecast to meet the target.
FORECAST_SHARE_HEADING = "Forecast to reach 80 by 31 March 2018 (%)"


@dataclass(frozen=True)
class IndicatorInfo:
    code: str
    name: str
    theme: str
    unit: str  # percent | yesno | count
    target_value: float
    target_date: dt.date | None
    target_annual: bool
    provenance_kind: str
    provenance: str
    weight: float
    definition: str

    def meets_target(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value >= self.target_value

    def count_meeting(self, values: Iterable[float]) -> int:
        """How many of the values meet the target (`meets_target`, over many values at once)."""
        target = self.target_value
        return sum(1 for v in values if v >= target)


@dataclass
class PracticeRow:
    id: int
    ods_code: str
    name: str
    ccg_code: str
    ccg_name: str
    region_code: str
    region_name: str
    patients: int | None
    clinical_system: str
    return_state: str = ""  # "" when the practice never started the period's return
    first_submitted_at: dt.datetime | None = None
    on_time: bool | None = None  # None: not received
    latest_period: str = ""  # the period of the latest approved return the values come from
    values: dict[str, float | None] = field(default_factory=dict)
    maturity: float | None = None
    level: int | None = None
    status: str = ""  # on_track | at_risk | off_track | ""
    forecast: PracticeForecast | None = None  # None: not worked out for the period yet
    funding_pence: int = 0
    comments: str = ""

    @property
    def received(self) -> bool:
        return self.first_submitted_at is not None


@dataclass(frozen=True)
class FeedLine:
    """A national feed's figure for England, a region, a CCG or a practice in the period, beside
    the practice's own approved value (practices only)."""

    level: str  # England | Region | CCG | Practice
    code: str
    name: str
    ccg_code: str
    indicator_code: str
    unit: str
    source: str
    practices: int
    feed_value: float | None  # 0-100 for percentages and shares of practices; 0/1 for a practice's yes/no
    own_value: float | None = None


@dataclass
class Area:
    code: str
    name: str
    parent_code: str = ""
    parent_name: str = ""


@dataclass
class TrendRow:
    period_code: str
    area_code: str
    area_name: str
    practices: int
    received: int
    on_time: int
    mean_maturity: float | None
    scored: int
    on_track: int


@dataclass
class LedgerRow:
    """One line of the Funding sheet: a stream, a run's CCG line, an award, an adjustment."""

    kind: str
    stream: str
    financial_year: str
    ccg_code: str
    ccg_name: str
    item: str
    amount_pence: int | None
    state: str
    date: dt.date | None
    note: str


@dataclass
class Dataset:
    scope: str  # national | region | ccg
    scope_code: str
    scope_name: str
    period_code: str
    period_label: str
    period_start: dt.date
    period_end: dt.date
    period_due: dt.date
    as_at: dt.date
    data_changed_at: dt.datetime
    indicators: list[IndicatorInfo]
    practices: list[PracticeRow]
    regions: list[Area]
    ccgs: list[Area]
    trend: list[TrendRow]
    ledger: list[LedgerRow]
    ccg_funding: dict[str, dict[str, int]]  # ccg code -> FUNDING_KEYS -> pence
    # The maturity dashboards' own aggregates for the period (the scope's under "", regions and
    # CCGs by code), so that the workbook's figures are the dashboards'. Empty before scoring.
    aggregates: dict[str, Aggregate]
    maturity_available: bool
    forecast_available: bool
    funding_available: bool
    notes: list[str] = field(default_factory=list)
    feeds: list[FeedLine] = field(default_factory=list)  # national feeds of the period, where any

    @property
    def title(self) -> str:
        where = "England" if self.scope == "national" else f"{self.scope_name} ({self.scope_code})"
        return f"Paperless Tracker: digital maturity of GP practices, {where}, {self.period_label}"


def ratio(part: int | float, whole: int | float) -> float | None:
    return part / whole if whole else None


def mean_or_none(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return fmean(present) if present else None


@dataclass
class AreaFigures:
    """The figures for one area (England, a region or a CCG) from its practices."""

    practices: int
    patients: int
    received: int
    on_time: int
    completeness: float | None
    timeliness: float | None
    mean_maturity: float | None
    scored: int
    on_track: float | None
    at_risk: float | None
    off_track: float | None
    forecast_met: float | None  # share of the practices with a forecast reaching the target in time
    indicator_mean: dict[str, float | None]
    indicator_meeting: dict[str, float | None]
    funding: dict[str, int]

    @property
    def allocated_pence(self) -> int:
        return sum(self.funding.get(k, 0) for k in ("fair_share", "transition", "capital", "reallocation"))

    def per_patient_pence(self, pence: int) -> float | None:
        return pence / self.patients if self.patients else None


def area_figures(
    practices: list[PracticeRow],
    indicators: list[IndicatorInfo],
    funding: dict[str, int] | None = None,
    aggregate: Aggregate | None = None,
) -> AreaFigures:
    """An area's figures from its practices; with the maturity dashboards' aggregate, its practices,
    patients, returns and maturity figures are the dashboards' (population-weighted maturity), and
    only the indicators' figures come from the practices."""
    if aggregate is None:
        return _practice_figures(practices, indicators, funding)
    means, meeting = indicator_figures(practices, indicators)
    graded = aggregate.on_track + aggregate.at_risk + aggregate.off_track
    return AreaFigures(
        practices=aggregate.practices,
        patients=aggregate.patients,
        received=aggregate.submitted,
        on_time=aggregate.on_time,
        completeness=ratio(aggregate.submitted, aggregate.practices),
        timeliness=ratio(aggregate.on_time, aggregate.practices),
        mean_maturity=aggregate.maturity,
        scored=aggregate.scored,
        on_track=ratio(aggregate.on_track, graded),
        at_risk=ratio(aggregate.at_risk, graded),
        off_track=ratio(aggregate.off_track, graded),
        forecast_met=None
        if aggregate.forecast_met is None or aggregate.forecast_made is None
        else ratio(aggregate.forecast_met, aggregate.forecast_made),
        indicator_mean=means,
        indicator_meeting=meeting,
        funding=_funding(funding),
    )


def indicator_figures(
    practices: list[PracticeRow], indicators: list[IndicatorInfo]
) -> tuple[dict[str, float | None], dict[str, float | None]]:
    """Each indicator's mean of the practices' latest values and share of them meeting its target
    (practices without a value left out), by code. One pass over each practice's own values: an
    area sheet asks this of England, every region and every CCG."""
    present: dict[str, list[float]] = {ind.code: [] for ind in indicators}
    for p in practices:
        for code, value in p.values.items():
            found = present.get(code)
            if found is not None and value is not None:
                found.append(value)
    means: dict[str, float | None] = {}
    meeting: dict[str, float | None] = {}
    for ind in indicators:
        values = present[ind.code]
        means[ind.code] = fmean(values) if values else None
        meeting[ind.code] = ratio(ind.count_meeting(values), len(values))
    return means, meeting


def _funding(funding: dict[str, int] | None) -> dict[str, int]:
    return {k: (funding or {}).get(k, 0) for k in FUNDING_KEYS}


def _practice_figures(
    practices: list[PracticeRow], indicators: list[IndicatorInfo], funding: dict[str, int] | None = None
) -> AreaFigures:
    n = len(practices)
    received = sum(1 for p in practices if p.received)
    on_time = sum(1 for p in practices if p.on_time)
    scored = [p for p in practices if p.maturity is not None]
    by_status = {s: sum(1 for p in scored if p.status == s) for s in ("on_track", "at_risk", "off_track")}
    means, meeting = indicator_figures(practices, indicators)
    met, made = forecast_share(p.forecast for p in practices)
    return AreaFigures(
        practices=n,
        patients=sum(p.patients or 0 for p in practices),
        received=received,
        on_time=on_time,
        completeness=ratio(received, n),
        timeliness=ratio(on_time, n),
        mean_maturity=mean_or_none(p.maturity for p in scored),
        scored=len(scored),
        on_track=ratio(by_status["on_track"], len(scored)),
        at_risk=ratio(by_status["at_risk"], len(scored)),
        off_track=ratio(by_status["off_track"], len(scored)),
        forecast_met=ratio(met, made),
        indicator_mean=means,
        indicator_meeting=meeting,
        funding=_funding(funding),
    )


def group_figures(
    practices: list[PracticeRow],
    areas: list[Area],
    key: Callable[[PracticeRow], str],
    indicators: list[IndicatorInfo],
    funding: Callable[[str], dict[str, int]],
    aggregates: dict[str, Aggregate] | None = None,
) -> list[tuple[Area, AreaFigures]]:
    """One AreaFigures per area, in the areas' order, from the practices grouped by `key`."""
    grouped: dict[str, list[PracticeRow]] = {}
    for p in practices:
        grouped.setdefault(key(p), []).append(p)
    found = aggregates or {}
    return [(a, area_figures(grouped.get(a.code, []), indicators, funding(a.code), found.get(a.code))) for a in areas]


def sum_funding(rows: Iterable[dict[str, int]]) -> dict[str, int]:
    total = dict.fromkeys(FUNDING_KEYS, 0)
    for row in rows:
        for k in FUNDING_KEYS:
            total[k] += row.get(k, 0)
    return total


def safe_text(value: Any, limit: int = 32_000) -> str:
    """User text for a cell: control characters (which XML cannot carry) removed, length capped."""
    text = "" if value is None else str(value)
    return CONTROL.sub("", text)[:limit]


def csv_safe(text: str) -> str:
    """Neutralise text that a spreadsheet would run as a formula when it opens the CSV (OWASP)."""
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text
