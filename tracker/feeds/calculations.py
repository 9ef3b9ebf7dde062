"""From a feed's months to a quarter's value per practice and indicator. No database.

The rules are data (fixtures/feeds.toml); this module applies them and says what it could not
work out, so that an import can count it.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tracker.feeds.files import FeedFile
from tracker.periods.calculations import quarter_containing

MAPPING_PATH = Path(__file__).resolve().parent.parent.parent / "fixtures" / "feeds.toml"
SOURCES = ("pomi", "pomi-2015", "nhs-choices", "gp2gp")
SOURCE_LABELS = {"pomi": "POMI", "pomi-2015": "POMI (2015)", "nhs-choices": "NHS Choices", "gp2gp": "GP2GP"}


@dataclass(frozen=True)
class Mapping:
    source: str
    indicator: str
    rule: str  # ratio | flag
    months: str  # last | sum
    numerator: str = ""
    denominator: str = ""
    scale: float = 1.0
    field: str = ""
    yes: tuple[str, ...] = ()
    no: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedConfig:
    mappings: tuple[Mapping, ...]
    percent_points: float
    list_size_fields: dict[str, str]

    def for_source(self, source: str) -> list[Mapping]:
        return [m for m in self.mappings if m.source == source]

    def indicators(self) -> set[str]:
        return {m.indicator for m in self.mappings}


@dataclass(frozen=True)
class QuarterValue:
    practice_code: str
    period_code: str
    indicator_code: str
    source: str
    value: float
    numerator: float | None
    denominator: float | None
    detail: str


def load_config(path: Path = MAPPING_PATH) -> FeedConfig:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    mappings = []
    for entry in data.get("mapping", []):
        m = Mapping(
            source=str(entry["source"]),
            indicator=str(entry["indicator"]),
            rule=str(entry["rule"]),
            months=str(entry.get("months", "last")),
            numerator=str(entry.get("numerator", "")),
            denominator=str(entry.get("denominator", "")),
            scale=float(entry.get("scale", 1.0)),
            field=str(entry.get("field", "")),
            yes=tuple(str(v) for v in entry.get("yes", ())),
            no=tuple(str(v) for v in entry.get("no", ())),
        )
        if m.source not in SOURCES or m.rule not in {"ratio", "flag"} or m.months not in {"last", "sum"}:
            raise ValueError(f"feeds.toml: mapping {m.indicator} from {m.source} has an unknown source, rule or months")
        if m.rule == "ratio" and not (m.numerator and m.denominator):
            raise ValueError(f"feeds.toml: the ratio for {m.indicator} needs a numerator and a denominator")
        if m.rule == "flag" and not (m.field and m.yes):
            raise ValueError(f"feeds.toml: the flag for {m.indicator} needs a field and its yes values")
        mappings.append(m)
    return FeedConfig(
        tuple(mappings),
        float(data.get("difference", {}).get("percent_points", 10.0)),
        {str(k): str(v) for k, v in data.get("list_sizes", {}).items()},
    )


def _number(text: str | None) -> float | None:
    if text is None or text == "":
        return None
    return float(text)


def quarter_values(feed: FeedFile, mappings: list[Mapping]) -> tuple[list[QuarterValue], Counter[str]]:
    """Every (practice, quarter, indicator) value the mappings give, and counts of those that
    could not be worked out, by reason."""
    # The quarter's months as the file holds them (not practice by practice): "last" then means
    # the same month for every practice, and a practice missing from it has no value.
    file_months: dict[str, list[dt.date]] = {}
    for month in feed.months:
        file_months.setdefault(quarter_containing(month).code, []).append(month)
    by_quarter: dict[tuple[str, str], list[dt.date]] = {}
    for code, month in feed.values:
        by_quarter.setdefault((code, quarter_containing(month).code), []).append(month)
    out: list[QuarterValue] = []
    missing: Counter[str] = Counter()
    label = SOURCE_LABELS.get(feed.source, feed.source)
    for (code, period), months in sorted(by_quarter.items()):
        months.sort()
        last = file_months[period][-1]
        for m in mappings:
            if m.months == "last" and months[-1] != last:
                missing[
                    f"no {m.indicator} value: not in {feed.month_labels[last]}, the quarter's last month in the file"
                ] += 1
                continue
            value = _apply(m, feed, code, months, label)
            if isinstance(value, str):
                missing[f"no {m.indicator} value: {value}"] += 1
            else:
                out.append(
                    QuarterValue(code, period, m.indicator, feed.source, value[0], value[1], value[2], value[3][:200])
                )
    return out, missing


def _apply(
    m: Mapping, feed: FeedFile, code: str, months: list[dt.date], label: str
) -> str | tuple[float, float | None, float | None, str]:
    if m.rule == "flag":
        last = months[-1]
        text = feed.values[(code, last)].get(m.field, "")
        if text in m.yes:
            return (1.0, None, None, f"{label} {feed.month_labels[last]}: {m.field} {text}")
        if text in m.no:
            return (0.0, None, None, f"{label} {feed.month_labels[last]}: {m.field} {text}")
        return f"{m.field} blank or not a yes/no value"
    used = months[-1:] if m.months == "last" else months
    numerator = denominator = 0.0
    for month in used:
        fields = feed.values[(code, month)]
        n, d = _number(fields.get(m.numerator)), _number(fields.get(m.denominator))
        if n is None or d is None:
            if m.months == "last":
                return f"{m.numerator} or {m.denominator} blank"
            continue
        numerator += n
        denominator += d
    if denominator == 0:
        return f"{m.denominator} is 0 or blank"
    when = ", ".join(feed.month_labels[month] for month in used)
    detail = f"{label} {when}: {m.numerator} {numerator:,.0f} ÷ {m.denominator} {denominator:,.0f}"
    return (numerator / denominator * m.scale, numerator, denominator, detail)


def large_difference(unit: str, own: float | None, feed: float | None, percent_points: float) -> bool:
    """Whether a practice's own value is far enough from the feed's to be flagged."""
    if own is None or feed is None:
        return False
    if unit == "yesno":
        return (own >= 0.5) != (feed >= 0.5)
    if unit == "percent":
        return abs(own - feed) >= percent_points
    return False
