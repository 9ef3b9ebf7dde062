"""The review queue at a glance: each return's flags in a line, and its values table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tracker.organisations.service import CcgName, RegionName
from tracker.returns import review_checks
from tracker.returns.review_service import CcgOutstanding, GlanceRow


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
                # The row names the indicator already: its flags say only what was found.
                "flags": [f.message.removeprefix(f"{r.name}: ") for f in r.flags],
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


def outstanding_rows(
    counts: list[CcgOutstanding],
    names: Mapping[int, RegionName | CcgName],
    *,
    group_by_region: bool,
    outstanding_only: bool,
    href: str,
) -> list[dict[str, Any]]:
    """The rows of a chasing table: each CCG (or, `group_by_region`, each region summing its
    CCGs) with its expected, received and outstanding returns, by name; with `outstanding_only`,
    only those with an outstanding return. `names` by id: code and name; `href` is formatted with
    the code."""
    totals: dict[int, dict[str, Any]] = {}
    for c in counts:
        key = c.region_id if group_by_region else c.ccg_id
        if key is None or key not in names:
            continue
        row = totals.setdefault(key, {"expected": 0, "received": 0, "outstanding": 0, "ccgs": 0})
        row["expected"] += c.expected
        row["received"] += c.received
        row["outstanding"] += c.outstanding
        row["ccgs"] += 1 if c.outstanding else 0
    rows = []
    for key, t in totals.items():
        if outstanding_only and not t["outstanding"]:
            continue
        code = names[key].code
        rows.append(
            {
                **t,
                "code": code,
                "name": names[key].name or code,
                "href": href.format(code=code),
                "rate": f"{100.0 * t['received'] / t['expected']:.0f}%" if t["expected"] else "–",
            }
        )
    return sorted(rows, key=lambda r: (str(r["name"]).casefold(), r["code"]))
