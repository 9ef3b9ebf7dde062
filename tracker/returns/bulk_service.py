"""Returns written in bulk, straight to the driver: the demo's synthetic history of some 100,000
returns and two million values, where the lifecycle's one-return-at-a-time path would take hours.

The caller may hold a write transaction around these; each write joins it."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple, cast

from tracker import db
from tracker.tables import PracticeReturn


class NewReturn(NamedTuple):
    """A return as it is inserted (the reviewer is left empty)."""

    practice_id: int
    period_id: int
    state: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    first_submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    returned_reason: str


# (return id, indicator id, value, numerator, denominator, comment): plain tuples, not a named
# tuple, as the demo builds two million of them and a named tuple costs ten times as much to make.
NewValue = tuple[int, int, float | None, int | None, int | None, str]


async def insert_returns(rows: list[NewReturn]) -> None:
    """Insert these returns."""
    await db.bulk_insert(
        "practice_return",
        (
            "practice",
            "period",
            "state",
            "version",
            "created_at",
            "updated_at",
            "submitted_at",
            "first_submitted_at",
            "reviewed_at",
            "returned_reason",
        ),
        cast("list[tuple[Any, ...]]", rows),  # named tuples are tuples; the list is only read
    )


async def return_ids() -> dict[tuple[int, int], int]:
    """Every return's id by (practice id, period id)."""
    rows = await PracticeReturn.select(PracticeReturn.id, PracticeReturn.practice, PracticeReturn.period)
    return {(r["practice"], r["period"]): r["id"] for r in rows}


async def insert_values(rows: list[NewValue]) -> None:
    """Insert these values of returns."""
    await db.bulk_insert(
        "return_value", ("practice_return", "indicator", "value", "numerator", "denominator", "comment"), rows
    )


async def value_count() -> int:
    """How many values all returns hold."""
    rows = await db.fetch("SELECT COUNT(*) AS n FROM return_value")
    return int(rows[0]["n"])
