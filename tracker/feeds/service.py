"""National feed values: imported beside what practices report, read back as typed rows.

This service owns `feed_value`. Imports are validated whole (the file is read and every quarter's
value worked out before the transaction starts), written in one transaction and idempotent; the
summary says what happened to every record, including those that could not be placed.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tracker import db
from tracker.audit import service as audit
from tracker.feeds.calculations import (
    SOURCE_LABELS,
    FeedConfig,
    QuarterValue,
    large_difference,
    load_config,
    quarter_values,
)
from tracker.feeds.files import FeedFile, Progress, read_gp2gp, read_nhs_choices, read_pomi
from tracker.organisations.import_service import name_ccgs_of_the_time
from tracker.organisations.listsize_import_service import (
    ChangeSummary,
    PublishedSize,
    ccg_codes,
    place,
    practice_places,
    store_list_sizes,
)
from tracker.tables import FeedValue


@dataclass(frozen=True)
class FeedRow:
    """A feed's value for one practice, period and indicator."""

    practice_id: int
    period_code: str
    indicator_code: str
    source: str
    source_label: str
    value: float
    numerator: float | None
    denominator: float | None
    detail: str


@dataclass(frozen=True)
class FeedTotal:
    """A feed's figure over many practices: the ratio of the summed numerators and denominators
    (a share of patients, not a mean of practices' shares) for ratios, the share saying yes for flags."""

    indicator_code: str
    period_code: str
    practices: int
    numerator: float
    denominator: float
    value: float | None


def _silent(line: str) -> None:
    return None


async def import_pomi(data: bytes, *, actor: str = "system", progress: Progress | None = None) -> ChangeSummary:
    feed = read_pomi(data, progress)
    return await _import(feed, "POMI import", actor, progress)


async def import_nhs_choices(
    data: bytes, *, month: dt.date, actor: str = "system", progress: Progress | None = None
) -> ChangeSummary:
    feed = read_nhs_choices(data, month)
    return await _import(feed, "NHS Choices import", actor, progress)


async def import_gp2gp(
    data: bytes, *, year: int, actor: str = "system", progress: Progress | None = None
) -> ChangeSummary:
    feed = read_gp2gp(data, year)
    return await _import(feed, "GP2GP import", actor, progress)


async def _import(feed: FeedFile, what: str, actor: str, progress: Progress | None) -> ChangeSummary:
    report = progress or _silent
    rules = config()  # read once a process
    values, missing = quarter_values(feed, rules.for_source(feed.source))
    summary = ChangeSummary(what)
    summary.facts["source"] = SOURCE_LABELS[feed.source]
    summary.facts["months"] = ", ".join(feed.month_labels[m] for m in feed.months)
    summary.facts["periods"] = ", ".join(sorted({v.period_code for v in values})) or "none"
    summary.add("rows read", n=feed.rows)
    summary.add("practices in the file", n=len(feed.ccg_of))
    for key, n in feed.notes.items():
        examples = feed.note_examples.get(key, [])
        summary.add(key, examples[0] if examples else None, n=n)
        summary.examples[key] = examples
    for key, n in sorted(missing.items()):
        summary.add(key, n=n)
    report(f"worked out {len(values):,} quarterly values; writing")
    async with db.write_transaction():
        practices = await practice_places(feed.months[-1])
        known_ccgs = await ccg_codes()
        ids: dict[str, int] = {}
        for code in sorted(feed.ccg_of):
            found = place(summary, code, feed.ccg_of[code], practices, known_ccgs)
            if found is not None:
                ids[code] = found.id
        summary.add("practices placed", n=len(ids))
        await _store_values([v for v in values if v.practice_code in ids], ids, summary)
        unplaced = sum(1 for v in values if v.practice_code not in ids)
        if unplaced:
            summary.add("values not stored: practice not in the tracker", n=unplaced)
        renamed = await name_ccgs_of_the_time(
            {c: n for c, n in feed.ccg_names.items() if c in known_ccgs}, source=what, actor=actor
        )
        for code in renamed:
            summary.add("CCGs given their name of the time from the file", code)
        size_field = rules.list_size_fields.get(feed.source)
        if size_field:
            await _store_list_sizes(feed, size_field, ids, summary)
        await audit.record(f"import.{feed.source}", actor=actor, entity_type="import", detail=summary.as_dict())
    return summary


async def _store_values(values: list[QuarterValue], ids: dict[str, int], summary: ChangeSummary) -> None:
    periods = sorted({v.period_code for v in values})
    source = values[0].source if values else ""
    existing = {
        (r["practice"], r["period_code"], r["indicator_code"]): r
        for r in await FeedValue.select(
            FeedValue.id,
            FeedValue.practice,
            FeedValue.period_code,
            FeedValue.indicator_code,
            FeedValue.value,
            FeedValue.numerator,
            FeedValue.denominator,
            FeedValue.detail,
        ).where((FeedValue.source == source) & FeedValue.period_code.is_in(periods or [""]))
    }
    new_rows: list[tuple[Any, ...]] = []
    for v in values:
        practice_id = ids[v.practice_code]
        row = existing.get((practice_id, v.period_code, v.indicator_code))
        fields = (v.value, v.numerator, v.denominator, v.detail)
        if row is None:
            new_rows.append((practice_id, v.period_code, v.indicator_code, v.source, *fields))
            summary.add("created: feed values")
        elif (row["value"], row["numerator"], row["denominator"], row["detail"]) != fields:
            await FeedValue.update(
                {
                    FeedValue.value: v.value,
                    FeedValue.numerator: v.numerator,
                    FeedValue.denominator: v.denominator,
                    FeedValue.detail: v.detail,
                }
            ).where(FeedValue.id == row["id"])
            summary.add("updated: feed values", f"{v.practice_code} {v.indicator_code} {v.period_code}")
        else:
            summary.add("unchanged: feed values")
    await db.bulk_insert(
        "feed_value",
        ("practice", "period_code", "indicator_code", "source", "value", "numerator", "denominator", "detail"),
        new_rows,
    )


async def _store_list_sizes(feed: FeedFile, size_field: str, ids: dict[str, int], summary: ChangeSummary) -> None:
    for month in feed.months:
        sizes: list[tuple[int, PublishedSize]] = []
        for code, practice_id in ids.items():
            text = feed.values.get((code, month), {}).get(size_field, "")
            if text:
                sizes.append((practice_id, PublishedSize(code, feed.ccg_of[code], int(text))))
        await store_list_sizes(month, sizes, summary, noun="list sizes")
    summary.facts["list-size snapshots"] = ", ".join(m.isoformat() for m in feed.months)


# --- Reading ---------------------------------------------------------------------------------


def _row(r: dict[str, Any]) -> FeedRow:
    return FeedRow(
        practice_id=r["practice"],
        period_code=r["period_code"],
        indicator_code=r["indicator_code"],
        source=r["source"],
        source_label=SOURCE_LABELS.get(r["source"], r["source"]),
        value=float(r["value"]),
        numerator=None if r["numerator"] is None else float(r["numerator"]),
        denominator=None if r["denominator"] is None else float(r["denominator"]),
        detail=r["detail"],
    )


async def feed_values(practice_ids: Iterable[int] | None, period_code: str) -> list[FeedRow]:
    """The feeds' values for these practices (None: every practice) in one period."""
    where = "period_code = {}"
    args: list[Any] = [period_code]
    if practice_ids is not None:
        ids = sorted(set(practice_ids))
        if not ids:
            return []
        where += f" AND practice IN ({', '.join('{}' for _ in ids)})"
        args += ids
    rows = await db.fetch(
        f"""SELECT practice, period_code, indicator_code, source, value, numerator, denominator, detail
            FROM feed_value WHERE {where} ORDER BY practice, indicator_code, source""",  # noqa: S608 (placeholders only)
        *args,
    )
    return [_row(r) for r in rows]


async def feed_values_by_indicator(practice_id: int, period_code: str) -> dict[str, FeedRow]:
    """One practice's feed values by indicator code (the first source in name order when two
    feeds answer the same indicator)."""
    out: dict[str, FeedRow] = {}
    for row in await feed_values([practice_id], period_code):
        out.setdefault(row.indicator_code, row)
    return out


async def feed_total(practice_ids: Iterable[int] | None, period_code: str, indicator_code: str) -> FeedTotal:
    """A feed's figure over these practices (None: all): for England, a region or a CCG."""
    rows = [r for r in await feed_values(practice_ids, period_code) if r.indicator_code == indicator_code]
    return totals(rows, period_code).get(indicator_code) or FeedTotal(indicator_code, period_code, 0, 0, 0, None)


async def feed_totals(practice_ids: Iterable[int] | None, period_code: str) -> dict[str, FeedTotal]:
    """Every feed indicator's figure over these practices in one period, by indicator code."""
    return totals(await feed_values(practice_ids, period_code), period_code)


def totals(rows: Iterable[FeedRow], period_code: str) -> dict[str, FeedTotal]:
    """The one rule for a feed's figure over many practices, per indicator: Σ numerators ÷
    Σ denominators × the mapping's scale for ratios; the share of practices saying yes (0-100) for
    flags. Pure."""
    by_indicator: dict[str, list[FeedRow]] = {}
    for row in rows:
        by_indicator.setdefault(row.indicator_code, []).append(row)
    scales = {m.indicator: m.scale for m in config().mappings if m.rule == "ratio"}
    out: dict[str, FeedTotal] = {}
    for code, found in sorted(by_indicator.items()):
        ratios = [r for r in found if r.denominator is not None]
        if ratios:
            numerator = sum(r.numerator or 0.0 for r in ratios)
            denominator = sum(r.denominator or 0.0 for r in ratios)
            value = numerator / denominator * scales.get(code, 1.0) if denominator else None
            out[code] = FeedTotal(code, period_code, len(ratios), numerator, denominator, value)
        else:
            yes = sum(1 for r in found if r.value >= 0.5)
            out[code] = FeedTotal(code, period_code, len(found), yes, len(found), yes / len(found) * 100)
    return out


@functools.cache
def config() -> FeedConfig:
    """The feeds' mapping, read once per process: fixtures/feeds.toml ships with the code, so it
    changes only with a new release (a new process), while every return form and dashboard needs it."""
    return load_config()


def differs(unit: str, own: float | None, feed: float | None) -> bool:
    return large_difference(unit, own, feed, config().percent_points)


class OwnValue(Protocol):
    """A value a practice reported in a return, to set beside the feeds' (the returns feature's
    SubmittedValue is one)."""

    @property
    def return_id(self) -> int: ...
    @property
    def practice_id(self) -> int: ...
    @property
    def period_code(self) -> str: ...
    @property
    def indicator_code(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def value(self) -> float | None: ...


async def differences(own_values: Sequence[OwnValue]) -> dict[int, list[str]]:
    """Which of these self-reported values differ a lot from the feeds' (fixtures/feeds.toml).
    Returns, per return id, the indicator codes that differ."""
    points = config().percent_points
    out: dict[int, list[str]] = {}
    by_period: dict[str, list[OwnValue]] = {}
    for item in own_values:
        by_period.setdefault(item.period_code, []).append(item)
    for period_code, items in by_period.items():
        feeds: dict[tuple[int, str], FeedRow] = {}
        for row in await feed_values({i.practice_id for i in items}, period_code):
            feeds.setdefault((row.practice_id, row.indicator_code), row)
        for item in items:
            feed = feeds.get((item.practice_id, item.indicator_code))
            value = item.value
            if feed and large_difference(item.unit, None if value is None else float(value), feed.value, points):
                out.setdefault(item.return_id, []).append(item.indicator_code)
    return out
