"""Funding arithmetic, pure and exact: money is whole pence (int), shares are Fractions.

- `fair_share`: a pot divided in proportion to (optionally weighted) registered patients, rounded
  by the largest-remainder method so that the shares sum exactly to the pot.
- `transition_awards`: requests capped at each CCG's excess of committed costs over fair share,
  tapered in the second year, scaled down pro rata when the fund is oversubscribed.
- `reallocate`: the reallocation policy (recover forecast underspend above a threshold, give it
  by fair share to CCGs with forecast pressure and/or approved bids); its adjustments sum to zero.
- `difference_in_change`: funded practices' mean change minus similar unfunded practices'.

Every function's result is independent of the order of its inputs: ties in the rounding are
broken by code, never by position.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from statistics import mean

PENCE = 100


class FundingError(ValueError):
    """Input the funding rules refuse; the message is meant for the person who typed it."""


# --- Money as text ----------------------------------------------------------------------------

_MONEY = re.compile(r"^-?\d+(\.\d{1,2})?$")
_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d{1,2})?$")
# The database keeps pence in a 64-bit integer and sums them: amounts are bounded well inside it.
MAX_POUNDS_DIGITS = 12
MAX_PENCE = 10**MAX_POUNDS_DIGITS * PENCE - 1


def parse_pounds(text: str, *, field: str = "Amount", allow_zero: bool = True) -> int:
    """'£140,000,000' or '140000000.50' -> pence. Refuses negatives, fractions of a penny, words."""
    typed = str(text).strip().replace("£", "").replace(" ", "")
    if "," in typed and not _GROUPED.match(typed):
        # '12,50' is twelve pounds fifty to some and 1,250 to others: never guess.
        raise FundingError(f"{field}: use a full stop for pence, for example 12500.50")
    cleaned = typed.replace(",", "")
    if not cleaned:
        raise FundingError(f"Enter {field.lower()} in pounds, like 140000000 or £140,000,000")
    if not _MONEY.match(cleaned):
        raise FundingError(f"{field} must be an amount in pounds, like 140000000 or £140,000,000.50")
    try:
        pence = int(Decimal(cleaned) * PENCE)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above already guards this
        raise FundingError(f"{field} must be an amount in pounds") from exc
    if pence < 0:
        raise FundingError(f"{field} must not be negative")
    if pence > MAX_PENCE:
        raise FundingError(
            f"{field} must be less than £1,000,000,000,000 (at most {MAX_POUNDS_DIGITS} digits of pounds)"
        )
    if pence == 0 and not allow_zero:
        raise FundingError(f"{field} must be more than £0")
    return pence


def pounds_text(pence: int) -> str:
    """Pence -> '1234.56' (for CSV: pounds with two decimals, no symbol, no separators)."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), PENCE)
    return f"{sign}{whole}.{part:02d}"


# --- Largest remainder ------------------------------------------------------------------------


def largest_remainder(total: int, shares: Mapping[str, Fraction]) -> dict[str, int]:
    """Split `total` (>= 0) in proportion to `shares` (>= 0), rounding so the parts sum to `total`.

    Each part is the floor of its exact quota; the pennies left over go one each to the largest
    remainders (ties: the smaller key first). Keys with share 0 get 0.
    """
    if total < 0:
        raise FundingError("The amount to share must not be negative")
    weight_sum = sum(shares.values(), Fraction(0))
    if any(v < 0 for v in shares.values()):
        raise FundingError("Shares must not be negative")
    if weight_sum == 0:
        if total == 0:
            return dict.fromkeys(shares, 0)
        raise FundingError("There is nothing to share by: every share is zero")
    parts: dict[str, int] = {}
    remainders: list[tuple[Fraction, str]] = []
    for key, share in shares.items():
        quota = Fraction(total) * share / weight_sum
        floor = quota.numerator // quota.denominator
        parts[key] = floor
        remainders.append((quota - floor, key))
    left = total - sum(parts.values())
    remainders.sort(key=lambda r: (-r[0], r[1]))
    for _, key in remainders[:left]:
        parts[key] += 1
    return parts


def fair_share(
    pot_pence: int, patients: Mapping[str, int], weights: Mapping[str, float] | None = None
) -> dict[str, int]:
    """Each CCG's share of the pot in proportion to registered patients x weight (default 1)."""
    if pot_pence < 0:
        raise FundingError("The pot must not be negative")
    if not patients or sum(patients.values()) <= 0:
        raise FundingError("There are no registered patients to share the pot by")
    if any(n < 0 for n in patients.values()):
        raise FundingError("Patient counts must not be negative")
    weights = weights or {}
    unknown = sorted(set(weights) - set(patients))
    if unknown:
        raise FundingError("Weights name CCGs with no patients on the snapshot: " + ", ".join(unknown))
    if any(w < 0 for w in weights.values()):
        raise FundingError("Weights must not be negative")
    shares = {code: Fraction(n) * Fraction(weights.get(code, 1.0)) for code, n in patients.items()}
    return largest_remainder(pot_pence, shares)


def per_patient_pence(amount_pence: int, patients: int) -> Fraction | None:
    return Fraction(amount_pence, patients) if patients > 0 else None


# --- Transition fund --------------------------------------------------------------------------


@dataclass(frozen=True)
class TransitionRequest:
    ccg_code: str
    committed_pence: int
    fair_share_pence: int
    requested_pence: int

    @property
    def excess_pence(self) -> int:
        return max(0, self.committed_pence - self.fair_share_pence)

    @property
    def eligible(self) -> bool:
        return self.excess_pence > 0 and self.requested_pence > 0


def transition_awards(
    available_pence: int, requests: Iterable[TransitionRequest], *, year: int = 1, taper_pct: float = 50.0
) -> dict[str, int]:
    """What each applicant is awarded from this year's fund.

    A CCG is eligible when its committed running costs exceed its fair share; it can be given at
    most that excess and at most what it asked for. In the second year (and after) the cap is
    `taper_pct` % of that (the taper). When the capped requests exceed the fund, every award is
    scaled down pro rata (largest remainder, so the fund is used to the penny). Ineligible -> 0.
    """
    if available_pence < 0:
        raise FundingError("The fund must not be negative")
    if not 0 <= taper_pct <= 100:
        raise FundingError("The taper must be between 0% and 100%")
    factor = Fraction(1) if year <= 1 else Fraction(taper_pct).limit_denominator(10_000) / 100
    caps: dict[str, int] = {}
    for r in requests:
        if r.ccg_code in caps:
            raise FundingError(f"CCG {r.ccg_code} has applied twice")
        if r.requested_pence < 0 or r.committed_pence < 0:
            raise FundingError(f"CCG {r.ccg_code}: amounts must not be negative")
        cap = min(r.requested_pence, r.excess_pence) if r.eligible else 0
        scaled = Fraction(cap) * factor
        caps[r.ccg_code] = scaled.numerator // scaled.denominator
    wanted = sum(caps.values())
    if wanted <= available_pence:
        return caps
    return largest_remainder(available_pence, {k: Fraction(v) for k, v in caps.items()})


# --- Reallocation -----------------------------------------------------------------------------

RECIPIENT_RULES = ("pressure", "bids", "pressure_or_bids")


@dataclass(frozen=True)
class ReallocationPolicy:
    """Recover `recover_pct` % of forecast underspend above `threshold_pct` % of the budget;
    give it by fair share (registered patients) to the CCGs the `recipients` rule names."""

    threshold_pct: float = 5.0
    recover_pct: float = 100.0
    recipients: str = "pressure"  # pressure | bids | pressure_or_bids

    def check(self) -> None:
        if not 0 <= self.threshold_pct <= 100:
            raise FundingError("The threshold must be between 0% and 100% of the budget")
        if not 0 <= self.recover_pct <= 100:
            raise FundingError("The share recovered must be between 0% and 100%")
        if self.recipients not in RECIPIENT_RULES:
            raise FundingError("Choose who receives the money: pressure, bids or pressure_or_bids")


@dataclass(frozen=True)
class CcgPosition:
    ccg_code: str
    budget_pence: int
    forecast_pence: int | None  # None: no forecast entered (neither gives nor receives)
    patients: int
    approved_bid: bool = False

    @property
    def underspend_pence(self) -> int:
        return 0 if self.forecast_pence is None else self.budget_pence - self.forecast_pence


def _pct(value: float) -> Fraction:
    return Fraction(value).limit_denominator(10_000) / 100


def recoverable(position: CcgPosition, policy: ReallocationPolicy) -> int:
    """Pence recovered from one CCG under the policy (0 when under the threshold)."""
    if position.forecast_pence is None:
        return 0
    allowed = Fraction(position.budget_pence) * _pct(policy.threshold_pct)
    excess = Fraction(position.underspend_pence) - allowed
    if excess <= 0:
        return 0
    amount = excess * _pct(policy.recover_pct)
    return amount.numerator // amount.denominator


def reallocate(positions: Iterable[CcgPosition], policy: ReallocationPolicy) -> dict[str, int]:
    """Signed adjustment per CCG (negative: recovered; positive: received). Sums to exactly 0.

    Recipients are CCGs not giving money and (per the rule) forecasting more than their budget
    and/or holding an approved capital bid. With no recipient nothing is recovered.
    """
    policy.check()
    by_code: dict[str, CcgPosition] = {}
    for p in positions:
        if p.ccg_code in by_code:
            raise FundingError(f"CCG {p.ccg_code} appears twice")
        if p.budget_pence < 0 or (p.forecast_pence is not None and p.forecast_pence < 0) or p.patients < 0:
            raise FundingError(f"CCG {p.ccg_code}: amounts must not be negative")
        by_code[p.ccg_code] = p
    taken = {code: recoverable(p, policy) for code, p in by_code.items()}
    pool = sum(taken.values())

    def receives(p: CcgPosition) -> bool:
        if taken[p.ccg_code] > 0:
            return False
        pressure = p.forecast_pence is not None and p.forecast_pence > p.budget_pence
        if policy.recipients == "pressure":
            return pressure
        if policy.recipients == "bids":
            return p.approved_bid
        return pressure or p.approved_bid

    recipients = {code: Fraction(p.patients) for code, p in by_code.items() if receives(p) and p.patients > 0}
    result = dict.fromkeys(by_code, 0)
    if pool == 0 or not recipients:
        return result
    for code, amount in taken.items():
        result[code] -= amount
    for code, amount in largest_remainder(pool, recipients).items():
        result[code] += amount
    return result


# --- What the money bought --------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    funded_change: float | None
    comparison_change: float | None
    comparison_n: int

    @property
    def difference(self) -> float | None:
        if self.funded_change is None or self.comparison_change is None:
            return None
        return self.funded_change - self.comparison_change


def mean_or_none(values: Iterable[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return mean(found) if found else None


def difference_in_change(funded: Iterable[float | None], unfunded: Iterable[float | None]) -> Comparison:
    """Mean change of funded practices beside the mean change of similar unfunded ones."""
    others = [v for v in unfunded if v is not None]
    return Comparison(mean_or_none(funded), mean(others) if others else None, len(others))


@dataclass(frozen=True)
class PerPointGained:
    """What "£ per point gained" shows: pounds (only when there was a gain) and the words."""

    pounds: float | None
    text: str


NO_COMPARISON = "No comparison: too few similar unfunded practices"


def per_point_gained(
    amount_pence: int, differences: Sequence[float], *, subject: str = "funded practices"
) -> PerPointGained:
    """Pounds per maturity point gained over similar unfunded practices, or the plain reason there
    is no such figure.

    The gain is the difference in change (the funded practices' change minus that of similar
    unfunded ones), not the funded practices' own change: a practice that rose 5 points while its
    peers rose 6 gained nothing the money can claim. `amount_pence` is what the compared awards
    cost and `differences` their differences, one per award. The gain is judged as people read it,
    to one decimal place, so a difference shown as "0.0" never yields a (huge) price per point.
    """
    if not differences:
        return PerPointGained(None, NO_COMPARISON)
    gain = mean(differences)
    shown = round(gain, 1)
    if shown > 0:
        pounds = amount_pence / PENCE / sum(differences)
        return PerPointGained(pounds, f"£{pounds:,.0f}")
    if shown == 0:
        return PerPointGained(None, f"No gain seen: {subject} improved as much as similar unfunded ones")
    return PerPointGained(None, f"No gain seen: {subject} improved {-shown:.1f} points less than similar unfunded ones")


def similar_start(start: float | None, other: float | None, band: float = 10.0) -> bool:
    """Two practices started in a similar place: maturity within `band` points."""
    return start is not None and other is not None and abs(start - other) <= band


def financial_year_of(day: date) -> str:
    """The NHS financial year (1 April to 31 March) a date falls in: 2014-04-01 -> '2014/15'."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def year_start(financial_year: str) -> date:
    return date(int(financial_year[:4]), 4, 1)


# --- Which list sizes a run uses --------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotChoice:
    date: dt.date
    note: str  # says which snapshot, and why, in words for the run page and the CLI


def choose_snapshot(financial_year: str, dates: Sequence[dt.date]) -> SnapshotChoice | None:
    """The list sizes of the time: the financial year's April snapshot (NHSBSA quarters for
    2014/15 and 2015/16, POMI's April month-end for 2018/19), otherwise the snapshot nearest to
    1 April of that year (the earlier on a tie). None when there are no snapshots."""
    if not dates:
        return None
    april = dt.date(int(financial_year[:4]), 4, 1)
    in_april = sorted(d for d in dates if d.year == april.year and d.month == 4)
    if in_april:
        return SnapshotChoice(in_april[0], snapshot_note(financial_year, in_april[0]))
    nearest = min(dates, key=lambda d: (abs((d - april).days), d))
    return SnapshotChoice(nearest, snapshot_note(financial_year, nearest))


def snapshot_note(financial_year: str, used: dt.date) -> str:
    april = dt.date(int(financial_year[:4]), 4, 1)
    when = f"{used.day} {used:%B %Y}"
    if used.year == april.year and used.month == 4:
        return f"list sizes of {when}: the April snapshot of {financial_year}"
    days = (used - april).days
    side = "after" if days > 0 else "before"
    return (
        f"list sizes of {when}: no April snapshot of {financial_year} is held, so the nearest one, "
        f"{abs(days):,} days {side} 1 April {april.year}"
    )


def age_band_weights(bands_by_ccg: Mapping[str, Sequence[int]], band_weights: Sequence[float]) -> dict[str, float]:
    """Each CCG's weight: its patients weighted by age band ÷ its patients (1.0 = average need
    per patient under these band weights). The pot is then shared by patients × weight."""
    if len(band_weights) == 0 or any(w < 0 for w in band_weights):
        raise FundingError("Age-band weights must be given and not negative")
    out: dict[str, float] = {}
    for code, bands in bands_by_ccg.items():
        if len(bands) != len(band_weights):
            raise FundingError(f"CCG {code}: {len(bands)} age bands, {len(band_weights)} weights")
        total = sum(bands)
        if total > 0:
            out[code] = sum(n * w for n, w in zip(bands, band_weights, strict=True)) / total
    return out
