"""The feeds' values as the return form and the review queue show them. No queries."""

from __future__ import annotations

from typing import Any

from tracker.feeds.calculations import large_difference
from tracker.feeds.service import FeedRow


def feed_text(unit: str, row: FeedRow) -> str:
    if unit == "yesno":
        return "Yes" if row.value >= 0.5 else "No"
    return f"{row.value:.1f}%" if unit == "percent" else f"{row.value:g}"


def _own(unit: str, text: str) -> float | None:
    text = (text or "").strip().lower()
    if unit == "yesno":
        return {"yes": 1.0, "no": 0.0}.get(text)
    try:
        return float(text.rstrip("%").replace(",", ""))
    except ValueError:
        return None


def form_feeds(
    units: dict[str, str], rows: dict[str, FeedRow], raw: dict[str, dict[str, str]], percent_points: float
) -> dict[str, dict[str, Any]]:
    """Per indicator code: the feed's value beside the practice's, and whether they differ a lot."""
    out: dict[str, dict[str, Any]] = {}
    for code, row in rows.items():
        unit = units.get(code)
        if unit is None:
            continue
        own = _own(unit, raw.get(code, {}).get("value", ""))
        out[code] = {
            "source": row.source_label,
            "value": feed_text(unit, row),
            "detail": row.detail,
            "differs": large_difference(unit, own, row.value, percent_points),
        }
    return out


def prefill(
    units: dict[str, str], rows: dict[str, FeedRow], raw: dict[str, dict[str, str]]
) -> dict[str, dict[str, str]]:
    """A new return's form starts from the feeds' values where the practice has typed nothing."""
    filled = {code: dict(values) for code, values in raw.items()}
    for code, row in rows.items():
        unit = units.get(code)
        values = filled.setdefault(code, {})
        if unit is None or values.get("value"):
            continue
        if unit == "yesno":
            values["value"] = "yes" if row.value >= 0.5 else "no"
        else:
            values["value"] = f"{row.value:.1f}" if unit == "percent" else f"{row.value:g}"
            if row.numerator is not None and row.denominator is not None and unit == "percent":
                values["numerator"] = f"{row.numerator:.0f}"
                values["denominator"] = f"{row.denominator:.0f}"
    return filled
