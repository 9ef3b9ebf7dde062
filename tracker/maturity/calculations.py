"""Maturity arithmetic: attainment, the maturity index, levels, trajectories, statuses, forecasts
and aggregates. Pure: no database, no clock. Every rule here is written up in the README so that a
user can check a figure by hand.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tracker.figures.rules import share  # completeness and timeliness have one definition
from tracker.indicators.catalogue import IndicatorSpec

ON_TRACK = "on_track"
AT_RISK = "at_risk"
OFF_TRACK = "off_track"
STATUSES = (ON_TRACK, AT_RISK, OFF_TRACK)

# Percentage indicators: how far below the expected trajectory (as a share of the target) a
# practice may be and still be on track, or at risk; further below is off track.
ON_TRACK_TOLERANCE = 0.05
AT_RISK_TOLERANCE = 0.15
# Yes/no indicators: a "no" is at risk in the last year before the deadline, off track after it.
YES_NO_WARNING_DAYS = 365
# Overall status: off track when more than this share of the scored indicators is off track...
OVERALL_OFF_TRACK_SHARE = 0.25
# ...on track when at least this share is on track; at risk otherwise.
OVERALL_ON_TRACK_SHARE = 0.75

# (level, name, lowest maturity index in the level)
LEVELS: tuple[tuple[int, str, float], ...] = (
    (1, "Mostly paper", 0.0),
    (2, "Developing", 50.0),
    (3, "Mostly digital", 65.0),
    (4, "Paperless", 80.0),
)

FORECAST_MIN_POINTS = 3
FORECAST_MAX_POINTS = 8  # the last two years of quarterly returns
DAYS_PER_YEAR = 365.25


# --- Attainment and the maturity index -------------------------------------------------------


def attainment(unit: str, value: float | None, target: float) -> float | None:
    """How much of the target a value reaches, 0 to 1 (None when there is no value).

    Yes/no: 1 for yes, 0 for no. Percentages and counts: value / target, capped at 1, never below 0.
    """
    if value is None:
        return None
    if unit == "yesno":
        return 1.0 if value >= 0.5 else 0.0
    if target <= 0:
        return 1.0
    return min(1.0, max(0.0, value / target))


def maturity_index(attainments: dict[str, float | None], weights: dict[str, float]) -> float | None:
    """0-100: the weighted mean of the attainments of the indicators that have a value.

    Indicators without a value are left out (not counted as 0), so the index says how far the
    practice is along on what it reported. None when nothing was reported.
    """
    total_weight = 0.0
    total = 0.0
    for code, a in attainments.items():
        if a is None:
            continue
        w = weights.get(code, 1.0)
        total_weight += w
        total += w * a
    if total_weight <= 0:
        return None
    return max(0.0, min(100.0, 100.0 * total / total_weight))


def level(maturity: float | None) -> int | None:
    if maturity is None:
        return None
    found = LEVELS[0][0]
    for number, _, lowest in LEVELS:
        if maturity >= lowest:
            found = number
    return found


def level_name(number: int | None) -> str:
    for n, name, _ in LEVELS:
        if n == number:
            return name
    return "Not scored"


# --- Trajectories and status -------------------------------------------------------------------


def expected_value(
    baseline_value: float, baseline_date: dt.date, target: float, target_date: dt.date, on: dt.date
) -> float:
    """The straight line from the practice's baseline (its first approved value) to the target on
    the target date. Before the baseline it is the baseline; from the target date, the target."""
    if baseline_value >= target or on >= target_date or baseline_date >= target_date:
        return target
    if on <= baseline_date:
        return baseline_value
    share = (on - baseline_date).days / (target_date - baseline_date).days
    return baseline_value + (target - baseline_value) * share


def indicator_status(
    unit: str,
    value: float | None,
    target: float,
    deadline: dt.date,
    on: dt.date,
    baseline_value: float | None = None,
    baseline_date: dt.date | None = None,
) -> str:
    """On track / at risk / off track for one indicator as at a date ("" without a value).

    - The target is met: on track.
    - Yes/no, not yet: on track more than a year before the deadline, at risk in its last year,
      off track once it has passed.
    - Percentage, not met: the gap is how far the value is below the expected trajectory, as a
      share of the target. Gap up to 5%: on track (before the deadline); up to 15%: at risk;
      more: off track. After the deadline the trajectory is the target itself, so a target
      missed by up to 15% is at risk, by more off track.
    """
    a = attainment(unit, value, target)
    if a is None or value is None:
        return ""
    if unit == "yesno" or a >= 1.0:
        return _status(unit, value, a, target, deadline, on, 0.0)
    if baseline_value is None or baseline_date is None:
        baseline_value, baseline_date = value, on
    return _status(
        unit, value, a, target, deadline, on, expected_value(baseline_value, baseline_date, target, deadline, on)
    )


def _status(unit: str, value: float, a: float, target: float, deadline: dt.date, on: dt.date, expected: float) -> str:
    """indicator_status with the attainment and the expected value already worked out."""
    if a >= 1.0:
        return ON_TRACK
    if unit == "yesno":
        if on > deadline:
            return OFF_TRACK
        return AT_RISK if (deadline - on).days <= YES_NO_WARNING_DAYS else ON_TRACK
    gap = (expected - value) / target if target > 0 else 0.0
    if gap <= ON_TRACK_TOLERANCE and on < deadline:
        return ON_TRACK
    if gap <= AT_RISK_TOLERANCE:
        return AT_RISK
    return OFF_TRACK


def overall_status(on_track: int, at_risk: int, off_track: int) -> str:
    """A practice's status from its indicators' statuses ("" when none was scored).

    Off track when more than a quarter of its scored indicators are off track; on track when at
    least three quarters are on track; at risk otherwise.
    """
    scored = on_track + at_risk + off_track
    if scored == 0:
        return ""
    if off_track > OVERALL_OFF_TRACK_SHARE * scored:
        return OFF_TRACK
    if on_track >= OVERALL_ON_TRACK_SHARE * scored:
        return ON_TRACK
    return AT_RISK


# --- Scoring one practice over time -------------------------------------------------------


@dataclass(frozen=True)
class IndicatorScore:
    code: str
    value: float | None
    attainment: float | None
    expected: float | None
    deadline: dt.date
    status: str


@dataclass(frozen=True)
class PeriodScore:
    period_id: int
    maturity: float | None
    level: int | None
    status: str
    on_track: int
    at_risk: int
    off_track: int
    scored: int
    indicators: tuple[IndicatorScore, ...]


def score_history(
    targets: Sequence[IndicatorSpec] | Mapping[int, Sequence[IndicatorSpec]],
    periods: Sequence[tuple[int, dt.date]],
    values: dict[int, dict[str, float | None]],
    *,
    with_indicators: bool = True,
) -> list[PeriodScore]:
    """Score a practice for each period, in order.

    `targets`: the indicators, or each period's indicators by period id (as the catalogue defined
    them when the period began).
    `periods`: (period id, period end date) in date order. `values`: period id -> indicator code ->
    value, from the APPROVED returns only (a period without an approved return gets no score). The
    baseline of each indicator is its first approved value in these periods.
    `with_indicators`: False leaves each PeriodScore's `indicators` empty, for callers that store
    only the totals (a national refresh made some two million of them for nothing).
    """
    baselines: dict[str, tuple[float, dt.date]] = {}
    out: list[PeriodScore] = []
    for period_id, end in periods:
        row = values.get(period_id)
        if row is None:
            out.append(PeriodScore(period_id, None, None, "", 0, 0, 0, 0, ()))
            continue
        scores = []
        counts = {ON_TRACK: 0, AT_RISK: 0, OFF_TRACK: 0}
        total_weight = total = 0.0
        for t in targets[period_id] if isinstance(targets, Mapping) else targets:
            v = row.get(t.code)
            deadline = _deadline(t, end)
            if v is None:
                if with_indicators:
                    scores.append(IndicatorScore(t.code, None, None, None, deadline, ""))
                continue
            base = baselines.get(t.code)
            if base is None:
                base = baselines[t.code] = (v, end)
            a = attainment(t.unit, v, t.target_value) or 0.0
            expected = None if t.unit == "yesno" else expected_value(base[0], base[1], t.target_value, deadline, end)
            status = _status(t.unit, v, a, t.target_value, deadline, end, expected or 0.0)
            counts[status] += 1
            total_weight += t.weight
            total += t.weight * a
            if with_indicators:
                scores.append(IndicatorScore(t.code, v, a, expected, deadline, status))
        m = max(0.0, min(100.0, 100.0 * total / total_weight)) if total_weight > 0 else None
        out.append(
            PeriodScore(
                period_id,
                m,
                level(m),
                overall_status(counts[ON_TRACK], counts[AT_RISK], counts[OFF_TRACK]),
                counts[ON_TRACK],
                counts[AT_RISK],
                counts[OFF_TRACK],
                sum(counts.values()),
                tuple(scores),
            )
        )
    return out


def unscored_periods(expected: dict[int, int], scored: dict[int, int]) -> list[int]:
    """The periods whose score rows do not count exactly the practices expected in them.

    `expected`: period id -> practices expected by the organisations' history; `scored`: period id
    -> score rows marked expected. A row existing is not enough: a period scored for only the first
    practice to send a return would otherwise pass for scored.
    """
    return [period for period, n in expected.items() if scored.get(period, 0) != n]


# A deadline depends on the indicator's target date and whether it is annual, and the date: keyed
# by those, not by the whole IndicatorSpec, whose hash (of its every field) cost more than the rule.
_DEADLINES: dict[tuple[bool, dt.date, dt.date], dt.date] = {}


def _deadline(spec: IndicatorSpec, on: dt.date) -> dt.date:
    key = (spec.target_annual, spec.target_date, on)
    found = _DEADLINES.get(key)
    if found is None:
        found = _DEADLINES[key] = spec.target_date_for(on)
    return found


# --- Forecasts ------------------------------------------------------------------------------

# Two-sided 80% Student t quantiles (0.90) by degrees of freedom; 1.2816 beyond the table.
_T90 = {1: 3.078, 2: 1.886, 3: 1.638, 4: 1.533, 5: 1.476, 6: 1.440, 7: 1.415, 8: 1.397, 9: 1.383, 10: 1.372}


def t90(df: int) -> float:
    return _T90.get(df, 1.2816 if df > 30 else 1.33)


def _student_t_cdf(x: float, df: int) -> float:
    """P(T <= x) for Student's t, by Simpson's rule on the density (enough for a likelihood)."""
    if df <= 0:
        return 0.5
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    lo, hi = 0.0, min(abs(x), 60.0)
    steps = 200
    h = (hi - lo) / steps
    total = 0.0
    for i in range(steps + 1):
        t = lo + i * h
        f = c * (1 + t * t / df) ** (-(df + 1) / 2)
        total += f * (1 if i in (0, steps) else 4 if i % 2 else 2)
    area = total * h / 3
    return 0.5 + area if x >= 0 else 0.5 - area


@dataclass(frozen=True)
class Forecast:
    points: int
    slope_per_year: float | None  # points of the indicator per year
    at_deadline: float | None  # the projected value on the deadline
    low: float | None  # the 80% prediction interval of that value
    high: float | None
    met_on: dt.date | None  # the projected date the target is reached (None: not while rising)
    met_by_deadline: bool
    chance: float | None  # 0-1: how likely the target is met by the deadline on this trend
    verdict: str  # plain words

    @property
    def sureness(self) -> str:
        if self.chance is None:
            return "No forecast"
        if self.chance >= 0.8:
            return "Likely"
        if self.chance <= 0.2:
            return "Unlikely"
        return "Uncertain"


# The 2018 target of a practice as a whole: its maturity at the Paperless level (80, level 4) by
# the end of 2017/18, the programme's deadline.
PAPERLESS_MATURITY = LEVELS[-1][2]
PAPERLESS_DEADLINE = dt.date(2018, 3, 31)
# Why a practice has no forecast date: the words the dashboards and the workbook show.
NOT_ENOUGH_RETURNS = "not enough returns to forecast"
NOT_IMPROVING = "not improving, so no date on this trend"


@dataclass(frozen=True)
class PracticeForecast:
    """When a practice's maturity is projected to reach the Paperless level, or why there is no date."""

    met_on: dt.date | None  # the projected (or, once reached, the actual) date; None with a reason
    reason: str  # "" with a date; NOT_ENOUGH_RETURNS or NOT_IMPROVING without one
    reached: bool = False  # already at the Paperless level in its latest approved return

    @property
    def made(self) -> bool:
        """Counted in the share forecast to meet the target: everything but too few returns."""
        return self.reason != NOT_ENOUGH_RETURNS

    @property
    def by_deadline(self) -> bool:
        return self.met_on is not None and self.met_on <= PAPERLESS_DEADLINE


def _fit(points: Sequence[tuple[dt.date, float]]) -> tuple[dt.date, float, float, list[float], float] | None:
    """Least squares through (date, value) points, x in years from the first: (origin, slope,
    intercept, xs, sxx), or None when every point falls on one date."""
    n = len(points)
    origin = points[0][0]
    xs = [(d - origin).days / DAYS_PER_YEAR for d, _ in points]
    ys = [v for _, v in points]
    x_mean = sum(xs) / n
    y_mean = sum(ys) / n
    sxx = sum((x - x_mean) ** 2 for x in xs)
    if sxx <= 0:
        return None
    slope = sum((x - x_mean) * (y - y_mean) for x, y in zip(xs, ys, strict=True)) / sxx
    return origin, slope, y_mean - slope * x_mean, xs, sxx


def practice_forecast(history: Sequence[tuple[dt.date, float]]) -> PracticeForecast:
    """The date a practice's maturity reaches the Paperless level (80), from its approved history
    up to a period: (period end date, maturity) of each period with an approved return.

    Already at 80 in its latest approved return: the end of the first period of that unbroken run
    at 80 or more. Otherwise a least-squares line through the last 8 values (at least 3 needed),
    and the date the line reaches 80; a line that is flat or falling gives no date. Cheap on
    purpose (no interval): it is worked out for every practice and period at each refresh.
    """
    points = sorted(history)
    target = PAPERLESS_MATURITY
    if points and points[-1][1] >= target:
        first = len(points) - 1
        while first > 0 and points[first - 1][1] >= target:
            first -= 1
        return PracticeForecast(points[first][0], "", reached=True)
    points = points[-FORECAST_MAX_POINTS:]
    if len(points) < FORECAST_MIN_POINTS:
        return PracticeForecast(None, NOT_ENOUGH_RETURNS)
    fit = _fit(points)
    if fit is None:
        return PracticeForecast(None, NOT_ENOUGH_RETURNS)
    origin, slope, intercept, _, _ = fit
    # Less than a tenth of a point a year: values are given to 0.1, so this is no trend at all.
    if slope < 0.1:
        return PracticeForecast(None, NOT_IMPROVING)
    days = round((target - intercept) / slope * DAYS_PER_YEAR)
    last_date, last_value = points[-1]
    if days <= (last_date - origin).days:
        # The line is above the latest value and crossed 80 already: from the latest value, at
        # the line's pace, so that a date is never one the practice has passed below 80.
        origin, days = last_date, round((target - last_value) / slope * DAYS_PER_YEAR)
    # Past the last date Python holds: no date worth showing.
    if days > (dt.date.max - origin).days - 1:
        return PracticeForecast(None, NOT_IMPROVING)
    return PracticeForecast(origin + dt.timedelta(days=max(days, 1)), "")


def forecast_share(forecasts: Iterable[PracticeForecast | None]) -> tuple[int, int]:
    """(forecast to reach the Paperless level by the deadline, with a forecast) over practices:
    practices with too few returns (or none worked out yet) count in neither."""
    met = made = 0
    for f in forecasts:
        if f is None or not f.made:
            continue
        made += 1
        met += f.by_deadline
    return met, made


def forecast(history: Sequence[tuple[dt.date, float]], target: float, deadline: dt.date, as_at: dt.date) -> Forecast:
    """Least squares on the last (up to 8) approved values: when the target will be met, the
    projected value on the deadline with an 80% prediction interval, and the chance of meeting it.

    Fewer than 3 values: no forecast. Few points or scattered values give a wide interval and a
    chance near 50%; the interval uses Student's t with n-2 degrees of freedom.
    """
    points = sorted(history)[-FORECAST_MAX_POINTS:]
    n = len(points)
    if points and points[-1][1] >= target:
        return Forecast(n, None, None, None, None, points[-1][0], True, 1.0, "Target met")
    if n < FORECAST_MIN_POINTS:
        return Forecast(n, None, None, None, None, None, False, None, "Too few approved returns to forecast")
    fit = _fit(points)
    if fit is None:
        return Forecast(n, None, None, None, None, None, False, None, "Too few approved returns to forecast")
    origin, slope, intercept, xs, sxx = fit
    ys = [v for _, v in points]
    x_mean = sum(xs) / n
    residual = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    df = n - 2
    s = math.sqrt(residual / df) if df > 0 else 0.0
    s = max(s, 0.5)  # values are given to 0.1: never claim more precision than half a point
    x_deadline = (max(deadline, as_at) - origin).days / DAYS_PER_YEAR
    predicted = intercept + slope * x_deadline
    se = s * math.sqrt(1 + 1 / n + (x_deadline - x_mean) ** 2 / sxx)
    half = t90(df) * se
    met_on: dt.date | None = None
    if slope > 0:
        x_met = (target - intercept) / slope
        met_on = origin + dt.timedelta(days=round(x_met * DAYS_PER_YEAR))
    met = met_on is not None and met_on <= deadline and deadline >= as_at
    if deadline < as_at:
        chance = 0.0
        verdict = "Not met by the deadline"
    else:
        chance = 1 - _student_t_cdf((target - predicted) / se, df)
        verdict = f"Met by {met_on:%B %Y} on this trend" if met and met_on else "Not by the deadline on this trend"
    return Forecast(
        n,
        slope,
        min(100.0, max(0.0, predicted)),
        max(0.0, predicted - half),
        min(100.0, predicted + half),
        met_on,
        met,
        chance,
        verdict,
    )


# --- Aggregates -----------------------------------------------------------------------------


def weighted_mean(pairs: Iterable[tuple[float | None, float | None]]) -> float | None:
    """The mean of the values weighted by list size; values with no weight count once each when
    no value has a weight (so a CCG without list sizes still gets a plain mean)."""
    rows = [(v, w) for v, w in pairs if v is not None]
    if not rows:
        return None
    weighted = [(v, w) for v, w in rows if w is not None and w > 0]
    if weighted:
        return sum(v * w for v, w in weighted) / sum(w for _, w in weighted)
    return sum(v for v, _ in rows) / len(rows)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks (as numpy)."""
    if not sorted_values:
        raise ValueError("no values")
    position = (len(sorted_values) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    fraction = position - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction


def deciles(values: Iterable[float | None]) -> list[float] | None:
    """The 10th, 20th ... 90th percentiles; None when there are no values."""
    data = sorted(v for v in values if v is not None)
    if not data:
        return None
    return [percentile(data, q) for q in range(10, 100, 10)]


def decile_of(value: float, cut_points: Sequence[float]) -> int:
    """Which tenth (1 = lowest, 10 = highest) a value falls in, given the nine decile cut points."""
    return 1 + sum(1 for c in cut_points if value > c)


@dataclass(frozen=True)
class Aggregate:
    practices: int  # expected to report in the period
    scored: int  # with a score (an approved return)
    maturity: float | None  # population-weighted mean
    on_track: int
    at_risk: int
    off_track: int
    submitted: int
    on_time: int
    patients: int
    deciles: list[float] | None
    # Practices forecast to reach the Paperless level by the 2018 deadline, of those with a
    # forecast; None when the forecasts have not been worked out for these rows yet.
    forecast_met: int | None = None
    forecast_made: int | None = None

    @property
    def share_on_track(self) -> float | None:
        return share(self.on_track, self.on_track + self.at_risk + self.off_track)

    @property
    def share_forecast_met(self) -> float | None:
        if self.forecast_met is None or self.forecast_made is None:
            return None
        return share(self.forecast_met, self.forecast_made)

    @property
    def completeness(self) -> float | None:
        return share(self.submitted, self.practices)

    @property
    def timeliness(self) -> float | None:
        return share(self.on_time, self.practices)


@dataclass(frozen=True)
class PracticeFacts:
    """One practice in one period, as the precomputed score row holds it."""

    maturity: float | None
    status: str
    patients: int | None
    expected: bool
    submitted: bool
    on_time: bool
    forecast: PracticeForecast | None = None  # None: not worked out yet (rows scored before forecasts)


@dataclass(frozen=True)
class CcgPractice:
    """One practice on its CCG's dashboard for a period: its score then and its late or missing
    returns over the programme up to that period."""

    id: int
    ods_code: str
    name: str
    maturity: float | None
    level: int | None
    status: str
    patients: int | None
    indicators_on_track: int
    indicators_at_risk: int
    indicators_off_track: int
    indicators_scored: int
    late_returns: int


def aggregate(rows: Iterable[PracticeFacts]) -> Aggregate:
    """CCG, region or England from its practices' rows for one period."""
    rows = list(rows)
    expected = [r for r in rows if r.expected]
    # Forecasts are known for all the rows or for none (every refresh works them out).
    known = any(r.forecast is not None for r in rows)
    met, made = forecast_share(r.forecast for r in rows)
    return Aggregate(
        practices=len(expected),
        scored=sum(1 for r in rows if r.maturity is not None),
        maturity=weighted_mean((r.maturity, r.patients) for r in rows),
        on_track=sum(1 for r in rows if r.status == ON_TRACK),
        at_risk=sum(1 for r in rows if r.status == AT_RISK),
        off_track=sum(1 for r in rows if r.status == OFF_TRACK),
        submitted=sum(1 for r in expected if r.submitted),
        on_time=sum(1 for r in expected if r.on_time),
        patients=sum(r.patients or 0 for r in rows),
        deciles=deciles(r.maturity for r in rows),
        forecast_met=met if known else None,
        forecast_made=made if known else None,
    )
