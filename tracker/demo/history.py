"""A deterministic, believable synthetic history of returns. Pure: no database.

Each practice gets a latent 'digital keenness' (its own, plus its CCG's and its clinical
system's), and each indicator follows an S-shaped national adoption curve calibrated to the
reference points in the domain notes (about 24% of patients registered for online services in
2017, 97% of practices on GP2GP by September 2015, e-RS use from about 52% in 2015 to about 62%
at the end of 2017, NHS Wi-Fi in 43% of practices by March 2018). Keener practices sit ahead of
the curve; a few go backwards for a quarter. The same seed always gives the same history.
"""

from __future__ import annotations

import _random
import datetime as dt
import functools
import hashlib
import math
import random
from dataclasses import dataclass

from tracker.periods.calculations import PeriodSpec

SYSTEMS = (
    ("EMIS Web", 0.56, 0.10),
    ("TPP SystmOne", 0.34, 0.20),
    ("INPS Vision", 0.09, -0.35),
    ("Microtest", 0.01, -0.6),
)


@dataclass(frozen=True)
class Curve:
    """Percent indicators: national mean at quarter index t is low + (high-low)*logistic((t-mid)/width).
    Yes/no indicators: the share of practices saying yes follows the same curve (0-100)."""

    low: float
    high: float
    mid: float  # quarter index (0 = 2014/15 Q1) where the curve is half way
    width: float
    spread: float  # how far one unit of keenness moves a practice (points)

    def mean(self, t: float) -> float:
        return self.low + (self.high - self.low) / (1 + math.exp(-(t - self.mid) / self.width))


# Quarter index: 0 = 2014/15 Q1, 4 = 2015/16 Q1, 8 = 2016/17 Q1, 12 = 2017/18 Q1, 15 = 2017/18 Q4.
CURVES: dict[str, Curve] = {
    "PO_REG_PCT": Curve(2, 30, 9, 2.5, 7),
    "PO_APPT_ENABLED": Curve(55, 99, 2, 1.2, 0),
    "PO_RX_ENABLED": Curve(60, 99, 2, 1.2, 0),
    "PO_DCR_ENABLED": Curve(5, 96, 6, 1.3, 0),
    "OC_LIVE": Curve(0, 30, 17, 1.5, 0),
    "EPS_LIVE": Curve(55, 96, 8, 3, 0),
    "EPS_UTIL_PCT": Curve(15, 70, 10, 3, 12),
    "ERD_PCT": Curve(3, 16, 12, 3, 5),
    "GP2GP_UTIL_PCT": Curve(80, 97, 3, 1.5, 3),
    "SCR_PCT": Curve(90, 97, 2, 2, 1.5),
    "LG_DIGITISED_PCT": Curve(8, 55, 10, 3, 18),
    "ERS_UTIL_PCT": Curve(48, 78, 13, 3, 10),
    "EDISCHARGE_PCT": Curve(55, 92, 7, 3, 8),
    "WIFI_LIVE": Curve(0, 60, 15, 1.2, 0),
    "IGT_L2": Curve(80, 90, 6, 3, 0),
    "NHSMAIL": Curve(75, 98, 5, 2, 0),
}


class _Seeded(random.Random):
    """random.Random seeded from an int, without the pure-Python `seed` in between: the same
    stream (`Random.seed(int)` does exactly this), made in half the time. The demo makes some
    300,000 of them."""

    def __init__(self, seed: int) -> None:
        _random.Random.seed(self, seed)
        self.gauss_next = None


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return _Seeded(int.from_bytes(digest[:8], "big"))


def clinical_system(practice_code: str, ccg_code: str) -> tuple[str, float]:
    """Practices in a CCG mostly share a system (CCGs bought them together)."""
    ccg_rng = _rng("system", ccg_code)
    dominant = _pick(ccg_rng)
    rng = _rng("system", practice_code)
    name, _, effect = dominant if rng.random() < 0.75 else _pick(rng)
    return name, effect


def _pick(rng: random.Random) -> tuple[str, float, float]:
    x = rng.random()
    for system in SYSTEMS:
        x -= system[1]
        if x <= 0:
            return system
    return SYSTEMS[0]


def ccg_effect(ccg_code: str, seed: int) -> float:
    return _rng("ccg", ccg_code, seed).gauss(0, 0.6)


def region_effect(region_code: str, seed: int) -> float:
    """Regions differ too (leadership, early local schemes), less than CCGs do."""
    return _rng("region", region_code, seed).gauss(0, 0.35)


@dataclass(frozen=True)
class PracticeProfile:
    code: str
    keenness: float  # in standard deviations; CCG and system effects included
    reliability: float  # chance of sending a return each quarter
    late_tendency: float  # chance a sent return is late
    list_size: int
    offsets: dict[str, float]  # the practice's own lead or lag on each indicator
    dips: dict[str, int]  # indicator -> the quarter it had a bad quarter in


def profile(
    code: str, ccg_code: str, system_effect: float, list_size: int, seed: int, region_code: str = ""
) -> PracticeProfile:
    rng = _rng("practice", code, seed)
    keenness = rng.gauss(0, 1) + ccg_effect(ccg_code, seed) + system_effect + region_effect(region_code, seed)
    # Smaller practices were less likely to have someone to do returns.
    small = 1 if list_size and list_size < 4000 else 0
    reliability = min(0.995, max(0.6, 0.96 + 0.02 * keenness - 0.05 * small + rng.gauss(0, 0.02)))
    late = min(0.6, max(0.02, 0.10 - 0.04 * keenness + 0.05 * small + rng.gauss(0, 0.03)))
    offsets = {c: rng.gauss(0, 0.7) for c in CURVES}
    dips = {c: rng.randrange(1, 15) for c in CURVES if rng.random() < 0.03}
    return PracticeProfile(code, keenness, reliability, late, list_size, offsets, dips)


# One indicator's part in a practice's values, the same every quarter: (code, yes/no, curve's
# spread, the practice's keenness on it, the national share past which it has adopted (yes/no)).
Term = tuple[str, bool, float, float, float]


def terms_of(p: PracticeProfile, indicator_units: dict[str, str]) -> list[Term]:
    """What `values_for` needs of a practice for every quarter, worked out once."""
    out: list[Term] = []
    for code, unit in indicator_units.items():
        curve = CURVES.get(code)
        if curve is None:
            continue
        k = 0.7 * p.keenness + p.offsets[code]
        yesno = unit == "yesno"
        # Adopters: the practice adopts when the national share passes its rank, and keen
        # practices have a low rank, so they adopt early.
        out.append((code, yesno, curve.spread, k, 100 * _phi(-k) if yesno else 0.0))
    return out


def values_for(p: PracticeProfile, t: int, indicator_units: dict[str, str], seed: int) -> dict[str, float]:
    """Every indicator's value for one practice in quarter t (0-100 for percent, 0/1 for yes/no)."""
    return values_of_terms(p, terms_of(p, indicator_units), t, seed)


def values_of_terms(p: PracticeProfile, terms: list[Term], t: int, seed: int) -> dict[str, float]:
    """`values_for`, from the practice's `terms_of` (the demo works them out once per practice)."""
    out: dict[str, float] = {}
    rng = _rng("value", p.code, t, seed)
    for code, yesno, spread, k, rank in terms:
        mean = _mean(code, t)
        if yesno:
            value = 1.0 if rank < mean else 0.0
            if code == "IGT_L2" and rng.random() < 0.05:
                value = 1.0 - value  # the toolkit is re-assessed every year: some slip
            out[code] = value
        else:
            value = mean + spread * k + rng.gauss(0, 1.5)
            if p.dips.get(code) == t:
                value -= 25  # a bad quarter: a new system, a lost scanner contractor...
            out[code] = round(min(100.0, max(0.0, value)), 1)
    return out


def beside_feeds(
    values: dict[str, float], feeds: dict[str, float], units: dict[str, str], code: str, t: int, seed: int
) -> dict[str, float]:
    """Where a national feed has the practice's value for the quarter, the practice reports about
    the same: a yes/no as the feed says, a percentage within a couple of points; about one in
    twenty-five is far off (a misread question, an old figure), so the dashboards and the review
    queue have real differences to flag."""
    out = dict(values)
    for indicator, feed in feeds.items():
        if indicator not in out:
            continue
        rng = _rng("feed", code, indicator, t, seed)
        far_off = rng.random() < 0.04
        if units.get(indicator) == "yesno":
            says_yes = feed >= 0.5
            out[indicator] = 1.0 if says_yes != far_off else 0.0
        else:
            off = rng.choice((-1, 1)) * rng.uniform(12, 25) if far_off else rng.gauss(0, 1.5)
            out[indicator] = round(min(100.0, max(0.0, feed + off)), 1)
    return out


@functools.cache
def _mean(code: str, t: int) -> float:
    return CURVES[code].mean(t)


def _phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


@dataclass(frozen=True)
class ReturnPlan:
    state: str | None  # None: never started
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None


def plan_return(p: PracticeProfile, period: PeriodSpec, today: dt.date, seed: int) -> ReturnPlan:
    """Whether and when a practice sent its return for a period, as seen on `today`."""
    rng = _rng("return", p.code, period.code, seed)
    if period.opens_on > today:
        return ReturnPlan(None, None, None)
    window_open = period.opens_on <= today < period.locks_on and today <= period.due_on + dt.timedelta(days=45)
    if rng.random() > p.reliability:
        return ReturnPlan(None, None, None)
    late = rng.random() < p.late_tendency
    if late:
        day = period.due_on + dt.timedelta(days=1 + int(rng.random() * 25))
    else:
        day = period.opens_on + dt.timedelta(days=int(rng.random() * (period.due_on - period.opens_on).days))
    submitted = dt.datetime.combine(day, dt.time(9 + int(rng.random() * 8), int(rng.random() * 60)), dt.UTC)
    if day > today:
        # Not submitted yet: in the current window some have started a draft.
        if window_open and rng.random() < 0.35:
            return ReturnPlan("draft", None, None)
        return ReturnPlan(None, None, None)
    review_day = day + dt.timedelta(days=2 + int(rng.random() * 20))
    if review_day > today:
        return ReturnPlan("submitted", submitted, None)
    reviewed = dt.datetime.combine(review_day, dt.time(10, 0), dt.UTC)
    if rng.random() < 0.02 and period.due_on + dt.timedelta(days=60) > today:
        return ReturnPlan("returned", submitted, reviewed)
    return ReturnPlan("approved", submitted, reviewed)
