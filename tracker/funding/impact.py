"""What each pound bought: pure analysis of awards against maturity and indicator changes.

For an award made on date D to practice P:
- baseline: P's maturity in the last period that ended before D (the state before the money);
- latest: P's maturity in the latest period with a score (after D);
- change = latest - baseline;
- comparison: practices that received no award at all, in the same CCG (or, when fewer than
  MIN_PEERS there, the same region), whose baseline maturity in the same period was within
  BAND points of P's; their mean change over the same two periods; difference in change =
  P's change - that mean. This is an association, not proof that the money caused the change.
- pounds per point gained = amount / difference, only when the difference is above zero
  (calculations.per_point_gained decides, for an award and for a group alike).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tracker.funding.calculations import PerPointGained, per_point_gained

BAND = 10.0


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


MIN_PEERS = 3


@dataclass(frozen=True)
class PracticeFacts:
    practice_id: int
    ccg_id: int | None
    region_id: int | None
    patients: int
    scores: Mapping[int, float]  # period index -> maturity


@dataclass(frozen=True)
class AwardFacts:
    award_id: int
    practice_id: int
    stream: str
    ccg_code: str
    award_date: dt.date
    amount_pence: int
    indicators: tuple[str, ...] = ()


@dataclass
class IndicatorChange:
    code: str
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        return None if self.before is None or self.after is None else self.after - self.before


@dataclass
class AwardImpact:
    award: AwardFacts
    patients: int
    baseline_period: int | None
    latest_period: int | None
    baseline: float | None
    latest: float | None
    comparison_change: float | None
    comparison_n: int
    comparison_scope: str  # "CCG" | "region" | ""
    indicators: list[IndicatorChange] = field(default_factory=list)

    @property
    def change(self) -> float | None:
        return None if self.baseline is None or self.latest is None else self.latest - self.baseline

    @property
    def difference(self) -> float | None:
        if self.change is None or self.comparison_change is None:
            return None
        return self.change - self.comparison_change

    @property
    def per_patient_pence(self) -> float | None:
        return self.award.amount_pence / self.patients if self.patients else None

    @property
    def per_point(self) -> PerPointGained:
        differences = [] if self.difference is None else [self.difference]
        return per_point_gained(self.award.amount_pence, differences, subject="this practice")


def baseline_index(period_ends: list[dt.date], award_date: dt.date) -> int | None:
    """Index of the last period that ended before the award date."""
    found = None
    for i, end in enumerate(period_ends):
        if end < award_date:
            found = i
    return found


def _score_at_or_before(scores: Mapping[int, float], index: int) -> tuple[int, float] | None:
    best = None
    for i, v in scores.items():
        if i <= index and (best is None or i > best[0]):
            best = (i, v)
    return best


def analyse(
    awards: Iterable[AwardFacts],
    practices: Mapping[int, PracticeFacts],
    period_ends: list[dt.date],
    indicator_values: Mapping[tuple[int, str], Mapping[int, float]] | None = None,
) -> list[AwardImpact]:
    """Every award's impact; practices with any award are never in a comparison group.

    indicator_values: (award id, indicator code) -> {period index: approved value}.
    """
    awards = list(awards)
    funded = {a.practice_id for a in awards}
    unfunded = [p for pid, p in practices.items() if pid not in funded]
    by_ccg: dict[int | None, list[PracticeFacts]] = {}
    by_region: dict[int | None, list[PracticeFacts]] = {}
    for p in unfunded:
        by_ccg.setdefault(p.ccg_id, []).append(p)
        by_region.setdefault(p.region_id, []).append(p)
    values = indicator_values or {}
    out = []
    for a in awards:
        facts = practices.get(a.practice_id)
        scores = facts.scores if facts else {}
        b_index = baseline_index(period_ends, a.award_date)
        base = _score_at_or_before(scores, b_index) if b_index is not None else None
        latest_i = max((i for i in scores if b_index is None or i > b_index), default=None)
        latest = scores[latest_i] if latest_i is not None else None
        impact = AwardImpact(
            award=a,
            patients=facts.patients if facts else 0,
            baseline_period=base[0] if base else None,
            latest_period=latest_i,
            baseline=base[1] if base else None,
            latest=latest,
            comparison_change=None,
            comparison_n=0,
            comparison_scope="",
        )
        if base is not None and latest_i is not None and facts is not None:
            for scope, pool in (("CCG", by_ccg.get(facts.ccg_id, [])), ("region", by_region.get(facts.region_id, []))):
                changes = [
                    p.scores[latest_i] - p.scores[base[0]]
                    for p in pool
                    if base[0] in p.scores and latest_i in p.scores and abs(p.scores[base[0]] - base[1]) <= BAND
                ]
                if len(changes) >= MIN_PEERS:
                    impact.comparison_change = mean(changes)
                    impact.comparison_n = len(changes)
                    impact.comparison_scope = scope
                    break
        for code in a.indicators:
            series = values.get((a.award_id, code), {})
            before = _score_at_or_before(series, b_index) if b_index is not None else None
            after_i = max((i for i in series if b_index is None or i > b_index), default=None)
            impact.indicators.append(
                IndicatorChange(code, before[1] if before else None, series[after_i] if after_i is not None else None)
            )
        out.append(impact)
    return out


@dataclass
class Summary:
    key: str
    label: str
    awards: int = 0
    practices: int = 0
    amount_pence: int = 0
    patients: int = 0
    changes: list[float] = field(default_factory=list)
    comparison_changes: list[float] = field(default_factory=list)
    differences: list[float] = field(default_factory=list)
    compared_pence: int = 0  # what the awards with a comparison cost

    @property
    def per_patient_pence(self) -> float | None:
        return self.amount_pence / self.patients if self.patients else None

    @property
    def mean_change(self) -> float | None:
        return mean(self.changes) if self.changes else None

    @property
    def mean_comparison_change(self) -> float | None:
        return mean(self.comparison_changes) if self.comparison_changes else None

    @property
    def mean_difference(self) -> float | None:
        return mean(self.differences) if self.differences else None

    @property
    def per_point(self) -> PerPointGained:
        return per_point_gained(self.compared_pence, self.differences)

    def add(self, other: Summary) -> None:
        """Fold another group's figures into this one (the total of the by-stream groups)."""
        self.awards += other.awards
        self.amount_pence += other.amount_pence
        self.patients += other.patients
        self.changes += other.changes
        self.comparison_changes += other.comparison_changes
        self.differences += other.differences
        self.compared_pence += other.compared_pence


def summarise(impacts: Iterable[AwardImpact], key: str, labels: Mapping[str, str] | None = None) -> list[Summary]:
    """Group award impacts by 'stream', 'ccg' or 'practice'. A practice's patients count once."""
    groups: dict[str, Summary] = {}
    seen: dict[str, set[int]] = {}
    for imp in impacts:
        k = {"stream": imp.award.stream, "ccg": imp.award.ccg_code, "practice": str(imp.award.practice_id)}[key]
        s = groups.setdefault(k, Summary(key=k, label=(labels or {}).get(k, k)))
        s.awards += 1
        s.amount_pence += imp.award.amount_pence
        practices = seen.setdefault(k, set())
        if imp.award.practice_id not in practices:
            practices.add(imp.award.practice_id)
            s.practices += 1
            s.patients += imp.patients
        if imp.change is not None:
            s.changes.append(imp.change)
        if imp.comparison_change is not None:
            s.comparison_changes.append(imp.comparison_change)
        if imp.difference is not None:
            s.differences.append(imp.difference)
            s.compared_pence += imp.award.amount_pence
    return sorted(groups.values(), key=lambda s: -s.amount_pence)
