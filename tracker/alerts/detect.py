"""What changed: organisations that moved into or out of the worst tenth, and sustained changes
found by CUSUM. Pure: histories in, alerts out; no database, no clock, no wording.

Both methods follow OpenPrescribing's alerts.

**The worst tenth.** Against the national deciles of each period (the 10th ... 90th percentiles
of every organisation's value that period), an organisation is in the worst tenth when its value
is strictly below the 10th percentile (strictly above the 90th where lower is better). Strictly:
when more than a tenth share one value (0% before a service starts, 100% once everyone has it),
nobody is singled out as "the worst tenth". A move is a change of that state between the period
three quarters before the latest and the latest (`WINDOW`) that has held for the latest two
quarters: a practice sitting on the line flips across it by chance, and one quarter on the other
side is not news.

**Sustained change (CUSUM).** Each value becomes its percentile among all organisations that
period, so a national trend (every practice registering more patients online each year) is not
mistaken for one practice's change; the organisation is compared with its own past, not a target.
Those percentiles are standardised against the organisation's own early history (the mean and
spread of its first `REFERENCE` quarters with a value), and two cumulative sums collect
sustained departures: upward S+ = max(0, S+ + z - K) and downward S- = max(0, S- - z - K).
A sum over H is an alarm; the sums then restart from zero with the current percentile as the new
reference, so a step is reported once and a new level is not reported again. A steady trend raises
alarm after alarm the same way; those that follow one another are one change, from where it began.

The parameters, in standard deviations of the reference period:

- `K` = 0.5: the slack. A CUSUM with slack k detects fastest a shift of 2k; 0.5 makes it quickest
  at a one-standard-deviation move, the usual choice, and lets single noisy quarters decay away.
- `H` = 5: the threshold, OpenPrescribing's. For normal noise a one-sided CUSUM with k 0.5 and h 5
  raises a false alarm about once in 465 periods; a practice has about 12 quarters after its
  reference, so a flat, noisy practice is flagged in roughly 1 in 40 digests at most (both sides).
  A real one-standard-deviation shift is found in about 10 quarters, two in about 4.
- `REFERENCE` = 4 quarters: a year, so the reference covers every season once, while leaving the
  demo's 16 quarters mostly for detection.
- `MIN_SPREAD` = 5 percentile points: the smallest spread a reference may have. A practice's place
  among 7,000 wobbles by a few points from quarter to quarter; one that happened to sit still for
  its first year would otherwise alarm on the smallest move.
- `MIN_MOVE` = 10 percentile points: a change smaller than a tenth of all organisations is not
  reported, whatever the sums say (a practice at 100% slipping from the 97th to the 90th
  percentile because others caught up has not changed).

A change is reported when its alarm was raised in the last `WINDOW` quarters (the digest's window),
or was raised earlier and the sum has kept rising the same way every quarter since (a steady trend
that is still going on), and the change still holds at the latest quarter (the percentile is still
on the alarm's side of the reference it left). "From" is the value in the quarter before the sum
began to rise; "to" is the latest value.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

K = 0.5
H = 5.0
REFERENCE = 4
MIN_SPREAD = 5.0
MIN_MOVE = 10.0
WINDOW = 3  # quarters: "over the last 3 quarters"
SUDDEN_SHARE = 0.6  # a change is "sudden" when one quarter holds this share of it or more


class Kind(StrEnum):
    INTO_WORST = "into_worst_decile"
    OUT_OF_WORST = "out_of_worst_decile"
    IMPROVING = "improving"
    DECLINING = "declining"


@dataclass(frozen=True)
class Measure:
    """An indicator as the alerts need it."""

    code: str
    name: str
    unit: str  # percent | count
    higher_is_better: bool = True


@dataclass(frozen=True)
class History:
    """One organisation's values of one indicator, one per period (None: no value that period)."""

    code: str
    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Alert:
    kind: Kind
    org_code: str
    org_name: str
    measure: Measure
    from_period: str
    to_period: str
    from_value: float
    to_value: float
    from_percentile: float
    to_percentile: float
    threshold: float | None = None  # the national 10th (or 90th) percentile of the latest period
    sudden: bool = False  # most of the change happened in one quarter

    @property
    def rose(self) -> bool:
        return self.to_value > self.from_value

    @property
    def rank_rose(self) -> bool:
        """Its place among all organisations rose (which can differ from its value: a practice
        whose share rose less than everyone else's fell back among them)."""
        return self.to_percentile > self.from_percentile


# --- Percentiles from deciles ---------------------------------------------------------------


def percentile(value: float, cuts: Sequence[float]) -> float:
    """Where a value stands among all organisations (0-100), from the nine decile cut points:
    linear between cut points, extrapolated a tenth beyond the first and last (clipped to 0-100),
    and the middle of the run where several cut points equal the value."""
    if len(cuts) != 9:
        raise ValueError("nine cut points are needed (the 10th to the 90th percentiles)")
    tied = [i for i, c in enumerate(cuts) if c == value]
    if tied:
        return 10.0 * ((tied[0] + 1) + (tied[-1] + 1)) / 2
    below = sum(1 for c in cuts if c < value)
    if below == 0:
        low, high, base = cuts[0] - (cuts[1] - cuts[0]), cuts[0], 0.0
    elif below == 9:
        low, high, base = cuts[8], cuts[8] + (cuts[8] - cuts[7]), 90.0
    else:
        low, high, base = cuts[below - 1], cuts[below], 10.0 * below
    if high <= low:
        return base + (10.0 if value > high else 0.0)
    return min(100.0, max(0.0, base + 10.0 * (value - low) / (high - low)))


def in_worst_tenth(value: float, cuts: Sequence[float], higher_is_better: bool) -> bool:
    return value < cuts[0] if higher_is_better else value > cuts[8]


# --- The worst tenth ------------------------------------------------------------------------


def decile_moves(
    measure: Measure,
    periods: Sequence[str],
    histories: Sequence[History],
    deciles: Sequence[Sequence[float] | None],
) -> list[Alert]:
    """Organisations whose latest two values are in the worst tenth and whose value three quarters
    earlier was not (or the other way round)."""
    if len(periods) <= WINDOW:
        return []
    then, now = len(periods) - 1 - WINDOW, len(periods) - 1
    cuts_then, cuts_now = deciles[then], deciles[now]
    if not cuts_then or not cuts_now:
        return []
    out = []
    for h in histories:
        before, after = h.values[then], h.values[now]
        if before is None or after is None:
            continue
        was = in_worst_tenth(before, cuts_then, measure.higher_is_better)
        is_ = in_worst_tenth(after, cuts_now, measure.higher_is_better)
        if was == is_:
            continue
        held, cuts_held = h.values[now - 1], deciles[now - 1]
        if held is not None and cuts_held and in_worst_tenth(held, cuts_held, measure.higher_is_better) != is_:
            continue  # only the latest quarter crossed the line
        out.append(
            Alert(
                kind=Kind.INTO_WORST if is_ else Kind.OUT_OF_WORST,
                org_code=h.code,
                org_name=h.name,
                measure=measure,
                from_period=periods[then],
                to_period=periods[now],
                from_value=before,
                to_value=after,
                from_percentile=percentile(before, cuts_then),
                to_percentile=percentile(after, cuts_now),
                threshold=cuts_now[0] if measure.higher_is_better else cuts_now[8],
            )
        )
    return out


# --- CUSUM ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alarm:
    """A CUSUM alarm: at index `at`, upward or not, the sum having started rising after `start`
    (the last index before the run, whose value is the "from"), leaving the reference `mean`."""

    at: int
    upward: bool
    start: int
    mean: float
    ongoing: bool = False  # the sum has risen the same way in every quarter since (the last alarm only)


def cusum_alarms(series: Sequence[float | None]) -> list[Alarm]:
    """Alarms of the two-sided CUSUM over one series (missing values skipped), in order."""
    points = [(i, v) for i, v in enumerate(series) if v is not None and not math.isnan(v)]
    if len(points) <= REFERENCE:
        return []
    reference = [v for _, v in points[:REFERENCE]]
    mean = statistics.fmean(reference)
    spread = max(statistics.stdev(reference), MIN_SPREAD)
    up = down = 0.0
    up_start = down_start = points[REFERENCE - 1][0]
    alarms: list[Alarm] = []
    previous = points[REFERENCE - 1][0]
    since_alarm_rising = False
    for i, v in points[REFERENCE:]:
        z = (v - mean) / spread
        if up == 0.0:
            up_start = previous
        if down == 0.0:
            down_start = previous
        up = max(0.0, up + z - K)
        down = max(0.0, down - z - K)
        if up > H or down > H:
            upward = up > H
            alarm = Alarm(i, upward, up_start if upward else down_start, mean)
            last = alarms[-1] if alarms else None
            if last is not None and last.upward == upward and alarm.start == last.at:
                # The sum rose again straight after the last alarm, the same way: one steady
                # change, reported from where it began.
                alarm = Alarm(i, upward, last.start, last.mean)
            alarms.append(alarm)
            # Restart against the new level, so one change is one alarm.
            mean, up, down = v, 0.0, 0.0
            since_alarm_rising = True
        elif alarms:
            since_alarm_rising = since_alarm_rising and (up if alarms[-1].upward else down) > 0.0
        previous = i
    if alarms:
        last = alarms[-1]
        ongoing = since_alarm_rising and last.at != points[-1][0]
        alarms[-1] = Alarm(last.at, last.upward, last.start, last.mean, ongoing)
    return alarms


def sustained_changes(
    measure: Measure,
    periods: Sequence[str],
    histories: Sequence[History],
    deciles: Sequence[Sequence[float] | None],
) -> list[Alert]:
    """Organisations whose percentile moved for good, by an alarm in the last WINDOW quarters."""
    latest = len(periods) - 1
    out = []
    for h in histories:
        ranks: list[float | None] = [
            None if v is None or not cuts else percentile(v, cuts) for v, cuts in zip(h.values, deciles, strict=True)
        ]
        if ranks[latest] is None:
            continue
        alarms = cusum_alarms(ranks)
        if not alarms or not (alarms[-1].at > latest - WINDOW or alarms[-1].ongoing):
            continue
        alarm = alarms[-1]
        now = ranks[latest]
        assert now is not None
        beyond = now - alarm.mean if alarm.upward else alarm.mean - now
        if beyond <= 0:
            continue  # it has gone back since (back to the old level counts, whichever the direction)
        start_value, latest_value = h.values[alarm.start], h.values[latest]
        start_rank = ranks[alarm.start]
        assert start_value is not None and latest_value is not None and start_rank is not None
        if abs(now - start_rank) < MIN_MOVE:
            continue
        better = alarm.upward == measure.higher_is_better
        steps = [
            abs(b - a)
            for a, b in zip(h.values[alarm.start : latest], h.values[alarm.start + 1 : latest + 1], strict=True)
            if a is not None and b is not None
        ]
        total = abs(latest_value - start_value)
        out.append(
            Alert(
                kind=Kind.IMPROVING if better else Kind.DECLINING,
                org_code=h.code,
                org_name=h.name,
                measure=measure,
                from_period=periods[alarm.start],
                to_period=periods[latest],
                from_value=start_value,
                to_value=latest_value,
                from_percentile=start_rank,
                to_percentile=now,
                sudden=bool(steps) and total > 0 and max(steps) >= SUDDEN_SHARE * total,
            )
        )
    return out


def detect(
    measure: Measure,
    periods: Sequence[str],
    histories: Sequence[History],
    deciles: Sequence[Sequence[float] | None],
) -> list[Alert]:
    """Every alert for one indicator: moves across the worst tenth, then sustained changes; by
    organisation code within each kind."""
    if len(deciles) != len(periods) or any(len(h.values) != len(periods) for h in histories):
        raise ValueError("every history and the deciles need one entry per period")
    found = decile_moves(measure, periods, histories, deciles) + sustained_changes(measure, periods, histories, deciles)
    order = list(Kind)
    return sorted(found, key=lambda a: (order.index(a.kind), a.org_code))
