"""The national feeds beside the self-reported figures: on the practice and CCG dashboards and in
the workbooks, from one reader and one rule (`service.totals`), so they show the same figures.

A practice's feed value sits beside its approved value for the period; a CCG's feed figure (over
the practices counted under it in the period) beside the CCG's self-reported figure (the mean of
its approved values; for yes/no indicators the share saying yes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tracker.feeds import service
from tracker.feeds.calculations import SOURCE_LABELS, large_difference
from tracker.indicators import service as indicators
from tracker.indicators.catalogue import IndicatorSpec
from tracker.maturity import service as maturity


@dataclass(frozen=True)
class Comparison:
    """One indicator: the feed's figure beside the self-reported one. Values are 0-100 for
    percentages and for shares of practices, 0 or 1 for one practice's yes/no."""

    indicator_code: str
    indicator_name: str
    unit: str
    source: str
    feed_value: float | None
    feed_practices: int
    own_value: float | None
    own_practices: int
    share: bool  # True: a figure over many practices (a yes/no becomes the share saying yes)
    differs: bool
    points: float = 10.0  # the difference in percentage points that is marked (fixtures/feeds.toml)

    def feed_text(self) -> str:
        return _text(self.feed_value, self.unit, self.share)

    def own_text(self) -> str:
        return _text(self.own_value, self.unit, self.share)


def _text(value: float | None, unit: str, share: bool) -> str:
    if value is None:
        return "No value"
    if unit == "yesno" and not share:
        return "Yes" if value >= 0.5 else "No"
    return f"{value:.1f}%" if unit in ("percent", "yesno") else f"{value:g}"


def compare(
    names: dict[str, tuple[str, str]],
    feeds: Mapping[str, tuple[str, float | None, int]],
    own: Mapping[str, tuple[float | None, int]],
    share: bool,
    percent_points: float,
) -> list[Comparison]:
    """Pure. `names`: code -> (name, unit); `feeds`: code -> (source label, value, practices);
    `own`: code -> (self-reported value, practices). One row per indicator a feed answers, in
    catalogue order."""
    out = []
    for code, (name, unit) in names.items():
        if code not in feeds:
            continue
        source, feed_value, feed_n = feeds[code]
        own_value, own_n = own.get(code, (None, 0))
        # A share of practices is compared in percentage points, like a percentage.
        as_unit = "percent" if share else unit
        out.append(
            Comparison(
                code,
                name,
                unit,
                source,
                feed_value,
                feed_n,
                own_value,
                own_n,
                share,
                large_difference(as_unit, own_value, feed_value, percent_points),
                percent_points,
            )
        )
    return out


async def _names(specs: Iterable[IndicatorSpec] | None = None) -> dict[str, tuple[str, str]]:
    return {i.code: (i.name, i.unit) for i in (specs if specs is not None else await indicators.active_indicators())}


async def for_practice(
    practice_id: int, period_code: str, own: dict[str, float | None], specs: Iterable[IndicatorSpec] | None = None
) -> list[Comparison]:
    """A practice's feed values in a period beside its approved values (`own`, by indicator).
    `specs`: the active indicators, when the caller has read them already."""
    rows = await service.feed_values_by_indicator(practice_id, period_code)
    feeds = {code: (r.source_label, r.value, 1) for code, r in rows.items()}
    mine = {code: (value, 1 if value is not None else 0) for code, value in own.items()}
    return compare(await _names(specs), feeds, mine, False, service.config().percent_points)


def _sources(rows: Iterable[service.FeedRow]) -> dict[str, str]:
    found: dict[str, set[str]] = {}
    for r in rows:
        found.setdefault(r.indicator_code, set()).add(r.source)
    return {code: ", ".join(SOURCE_LABELS.get(s, s) for s in sorted(sources)) for code, sources in found.items()}


def area_figures(rows: list[service.FeedRow], period_code: str) -> dict[str, tuple[str, float | None, int]]:
    """Pure. The feeds' figures over the practices of these rows: code -> (source, value,
    practices). What the CCG dashboard and the workbook's "National feeds" sheet both show."""
    sources = _sources(rows)
    return {
        code: (sources.get(code, ""), t.value, t.practices) for code, t in service.totals(rows, period_code).items()
    }


async def area_feeds(practice_ids: Iterable[int], period_code: str) -> dict[str, tuple[str, float | None, int]]:
    """The feeds' figures over these practices (see `area_figures`)."""
    return area_figures(await service.feed_values(list(practice_ids), period_code), period_code)


async def for_ccg(
    ccg_id: int, period_id: int, period_code: str, scoring: Sequence[maturity.ScoredPeriod] | None = None
) -> list[Comparison]:
    """A CCG's feed figures over the practices counted under it in the period, beside its
    self-reported figures from the period's approved returns. `scoring`: the scored periods, when
    the caller has read them."""
    members = await maturity.period_members(period_id, "ccg", ccg_id)
    feeds = await area_feeds((m.practice_id for m in members), period_code)
    if not feeds:
        return []
    names = await _names()
    ids = await indicators.indicator_ids()
    compared = [code for code in feeds if code in ids and code in names]
    means = await maturity.ccg_own_period_means(ccg_id, [ids[code] for code in compared], period_id, scoring)
    own: dict[str, tuple[float | None, int]] = {}
    for code in compared:
        if (r := means.get(ids[code])) is not None:
            scale = 100.0 if names[code][1] == "yesno" else 1.0
            own[code] = (r.mean * scale, r.practices)
    return compare(names, feeds, own, True, service.config().percent_points)
