"""The review queue at a glance: each return's flags in a line, and its values table."""

from __future__ import annotations

from typing import Any

from tracker.returns import review_checks
from tracker.returns.review_service import GlanceRow


def shown_value(unit: str, value: float | None) -> str:
    if value is None:
        return "–"
    if unit == "yesno":
        return "Yes" if value >= 0.5 else "No"
    return f"{value:g}%" if unit == "percent" else f"{value:,g}"


def glance_view(rows: list[GlanceRow]) -> dict[str, Any]:
    """A return's compact summary (each rule with how many flags, the indicators it names) and its
    values table (flagged rows first, then the rest in the catalogue's order)."""
    flags = [f for r in rows for f in r.flags]
    table = []
    for r in rows:
        table.append(
            {
                "name": r.name,
                "value": shown_value(r.unit, r.value),
                "previous": shown_value(r.unit, r.previous),
                "feed": shown_value(r.unit, r.feed) if r.feed is not None else "–",
                "feed_source": r.feed_source,
                "comment": r.comment,
                "flags": [f.message for f in r.flags],
                "flagged": bool(r.flags),
            }
        )
    table.sort(key=lambda t: not t["flagged"])  # stable: the catalogue's order within each
    return {
        "count": len(flags),
        "summary": [
            {"label": label, "count": n, "rule": rule}
            for (label, n), rule in zip(
                review_checks.summary(flags),
                [rule for rule in review_checks.RULE_LABELS if any(f.rule == rule for f in flags)],
                strict=True,
            )
        ],
        "names": sorted({r.name for r in rows if r.flags}),
        "table": table,
    }
