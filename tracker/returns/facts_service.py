"""What other features need to know of the returns, read here by their owner: the approved values
scoring works from, first submissions (for the on-time rule) and which periods have returns.

Kept apart from the returns service so that the maturity feature, which the lifecycle calls to
refresh scores, can read them without importing the lifecycle back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from tracker import db

R = TypeVar("R")  # a row as a read gives it: a dict, or a tuple


async def periods_with_returns() -> set[int]:
    """Periods with at least one return, whatever its state."""
    return {r["period"] for r in await db.fetch("SELECT DISTINCT period FROM practice_return")}


async def periods_with_approved() -> set[int]:
    """Periods with at least one approved return."""
    return {r[0] for r in await db.fetch_tuples("SELECT DISTINCT period FROM practice_return WHERE state = 'approved'")}


async def approved_practices(period_id: int) -> set[int]:
    """The practices with an approved return for a period."""
    rows = await db.fetch(
        "SELECT DISTINCT practice FROM practice_return WHERE period = {} AND state = 'approved'", period_id
    )
    return {r["practice"] for r in rows}


async def first_submissions(
    *, practice_id: int | None = None, period_id: int | None = None, practice_ids: list[int] | None = None
) -> list[tuple[int, int, dt.datetime | None]]:
    """(practice, period, first submitted at) of every return, or one practice's, or several
    practices', or one period's: None for a return never submitted."""
    sql = "SELECT practice, period, first_submitted_at FROM practice_return"
    if practice_ids is not None:
        rows = await _of_practices(sql + " WHERE 1 = 1{practices}", (), "practice", practice_ids)
        return [(r["practice"], r["period"], r["first_submitted_at"]) for r in rows]
    args: tuple[int, ...] = ()
    if practice_id is not None:
        sql, args = sql + " WHERE practice = {}", (practice_id,)
    elif period_id is not None:
        sql, args = sql + " WHERE period = {}", (period_id,)
    return [(r["practice"], r["period"], r["first_submitted_at"]) for r in await db.fetch(sql, *args)]


async def approved_values_of(practice_id: int) -> list[tuple[int, int, float | None]]:
    """(period, indicator, value) of one practice's approved returns."""
    rows = await db.fetch(
        """
        SELECT r.period, v.indicator, v.value
        FROM return_value v JOIN practice_return r ON r.id = v.practice_return
        WHERE r.state = 'approved' AND r.practice = {}
        """,
        practice_id,
    )
    return [(r["period"], r["indicator"], r["value"]) for r in rows]


async def approved_values_of_many(practice_ids: list[int]) -> list[tuple[int, int, int, float | None]]:
    """(practice, period, indicator, value) of several practices' approved returns."""
    rows = await _of_practices(
        """
        SELECT r.practice, r.period, v.indicator, v.value
        FROM return_value v JOIN practice_return r ON r.id = v.practice_return
        WHERE r.state = 'approved'{practices}
        """,
        (),
        "r.practice",
        practice_ids,
    )
    return [(r["practice"], r["period"], r["indicator"], r["value"]) for r in rows]


APPROVED_VALUES = """
    SELECT r.practice, v.indicator, v.value
    FROM return_value v JOIN practice_return r ON r.id = v.practice_return
    WHERE r.state = 'approved' AND r.period = {}
"""


async def approved_values(period_id: int) -> list[tuple[int, int, float | None]]:
    """(practice, indicator, value) of one period's approved returns, as plain tuples straight from
    the driver: about 100,000 rows a period, where building a dict per row would cost more than
    the query. Read beside the event loop, which it would otherwise hold up for its length."""
    with db.reads_beside_the_loop():
        rows = await db.fetch_tuples(APPROVED_VALUES, period_id)
    return [(r[0], r[1], r[2]) for r in rows]


async def approved_values_for(pairs: set[tuple[int, int]]) -> list[tuple[int, int, int, float]]:
    """(practice, period, indicator, value) of the approved returns' values that are set, for these
    (practice, indicator) pairs only."""
    # One query per indicator (a handful), naming its practices: only the wanted values come back.
    practices_of: dict[int, list[int]] = {}
    for practice, indicator in sorted(pairs):
        practices_of.setdefault(indicator, []).append(practice)
    out: list[tuple[int, int, int, float]] = []
    for indicator, practices in sorted(practices_of.items()):
        for chunk in db.chunks(practices, 900):
            marks = ", ".join("{}" for _ in chunk)
            rows = await db.fetch(
                f"""
                SELECT r.practice, r.period, v.value
                FROM return_value v JOIN practice_return r ON r.id = v.practice_return
                WHERE v.indicator = {{}} AND r.practice IN ({marks}) AND r.state = 'approved' AND v.value IS NOT NULL
                """,  # noqa: S608 (placeholders only; values are bound)
                indicator,
                *chunk,
            )
            out.extend((r["practice"], r["period"], indicator, r["value"]) for r in rows)
    return out


# --- For reminders and status reports ------------------------------------------------------------


@dataclass(frozen=True)
class ReturnState:
    """One return: its id, state and first submission (None if never submitted)."""

    id: int
    practice_id: int
    state: str
    first_submitted_at: dt.datetime | None


async def period_returns(period_id: int, practice_ids: Collection[int] | None = None) -> dict[int, ReturnState]:
    """Each practice's return for a period (of every practice, or of those given), by practice id."""
    rows = await _tuples_of_practices(
        "SELECT id, practice, state, first_submitted_at FROM practice_return WHERE period = {}{practices}",
        (period_id,),
        "practice",
        practice_ids,
    )
    return {practice: ReturnState(id_, practice, state, first) for id_, practice, state, first in rows}


class ReturnProgress(NamedTuple):
    """A return's id and state, and whether it was ever submitted (not when: a run over every
    practice has no use for thousands of parsed times). A tuple: a reminder run reads thousands."""

    practice_id: int
    id: int
    state: str
    ever_submitted: bool


async def period_progress(period_id: int) -> list[ReturnProgress]:
    """Every return of a period: enough to tell whether each is in, and how far the others got."""
    rows = await db.fetch_tuples(
        "SELECT practice, id, state, CASE WHEN first_submitted_at IS NULL THEN 0 ELSE 1 END "
        "FROM practice_return WHERE period = {}",
        period_id,
    )
    return [ReturnProgress(practice, id_, state, ever == 1) for practice, id_, state, ever in rows]


async def awaiting_review() -> dict[int, int]:
    """Practice id -> how many of its returns are submitted and waiting for review."""
    rows = await db.fetch(
        "SELECT practice, count(*) AS n FROM practice_return WHERE state = 'submitted' GROUP BY practice"
    )
    return {r["practice"]: int(r["n"]) for r in rows}


async def answered_indicators(period_id: int) -> dict[int, set[int]]:
    """Return id -> the indicators it has a value for, of a period's draft and returned returns."""
    rows = await db.fetch_tuples(
        "SELECT rv.practice_return, rv.indicator FROM return_value rv "
        "JOIN practice_return r ON r.id = rv.practice_return "
        "WHERE r.period = {} AND r.state IN ('draft', 'returned') AND rv.value IS NOT NULL",
        period_id,
    )
    out: dict[int, set[int]] = {}
    for return_id, indicator_id in rows:
        found = out.get(return_id)
        if found is None:
            out[return_id] = {indicator_id}
        else:
            found.add(indicator_id)
    return out


# --- Read by the indicator catalogue ---------------------------------------------------------


async def value_counts() -> dict[int, int]:
    """How many values each indicator has in returns of any state, by indicator id."""
    rows = await db.fetch("SELECT indicator, COUNT(*) AS n FROM return_value GROUP BY indicator")
    return {r["indicator"]: int(r["n"]) for r in rows}


# --- For the exports: a period's comments, and each practice's latest approved values ----------


@dataclass(frozen=True)
class ValueComment:
    practice_id: int
    indicator_id: int
    comment: str


async def period_comments(period_id: int, practice_ids: Collection[int] | None = None) -> list[ValueComment]:
    """The comments practices (every one, or those given) wrote beside their values in a period's
    returns, whatever the return's state."""
    rows = await _of_practices(
        """SELECT r.practice, v.indicator, v.comment FROM return_value v
           JOIN practice_return r ON r.id = v.practice_return
           WHERE r.period = {} AND v.comment <> ''{practices}""",
        (period_id,),
        "r.practice",
        practice_ids,
    )
    return [ValueComment(r["practice"], r["indicator"], r["comment"]) for r in rows]


@dataclass(frozen=True)
class LatestValues:
    """A practice's values from its latest approved return among some periods."""

    practice_id: int
    period_id: int
    values: dict[int, float]  # by indicator id, those given that have a value


async def latest_approved_values(
    practice_ids: Collection[int] | None, period_ids: list[int], indicator_ids: Collection[int]
) -> list[LatestValues]:
    """For each of the practices (None: every practice), its approved return of the latest of `period_ids` (oldest first)
    that it has one for, if that return has any value, with its values of the indicators given:
    one row per practice (a pivot, so that the database does the work)."""
    if not period_ids or (practice_ids is not None and not practice_ids):
        return []
    # The periods' places in the list, so that "latest" needs no dates from the periods' owner.
    rank = "CASE {alias}period " + " ".join(f"WHEN {int(p)} THEN {n}" for n, p in enumerate(period_ids)) + " END"
    wanted = sorted({int(i) for i in indicator_ids})
    pivot = "".join(f", MAX(CASE WHEN v.indicator = {i} THEN v.value END) AS v{i}" for i in wanted)
    periods = ", ".join(str(int(p)) for p in period_ids)
    rows = await _tuples_of_practices(
        f"""SELECT r.practice, r.period{pivot}
            FROM (SELECT practice, MAX({rank.format(alias="")}) AS latest FROM practice_return
                  WHERE state = 'approved' AND period IN ({periods}){{practices}}
                  GROUP BY practice) l
            JOIN practice_return r ON r.practice = l.practice AND {rank.format(alias="r.")} = l.latest
            JOIN return_value v ON v.practice_return = r.id
            WHERE r.state = 'approved'
            GROUP BY r.practice, r.period""",  # noqa: S608 (integers from the database; practices bound)
        (),
        "practice",
        practice_ids,
    )
    # Each row: the practice, the period, then the values in the order of `wanted`.
    return [LatestValues(r[0], r[1], {i: v for i, v in zip(wanted, r[2:], strict=True) if v is not None}) for r in rows]


async def last_changed_at() -> dt.datetime | None:
    """When a return last changed (any return, any change); None before the first return."""
    rows = await db.fetch(
        "SELECT updated_at FROM practice_return WHERE updated_at IS NOT NULL ORDER BY updated_at DESC LIMIT 1"
    )
    return rows[0]["updated_at"] if rows else None


async def _of_practices(
    sql: str, args: tuple[Any, ...], column: str, practice_ids: Collection[int] | None
) -> list[dict[str, Any]]:
    """The rows of `sql` (bound `args` first) with `column` kept to the practices given (None:
    every practice) where `sql` says {practices}; 500 at a time, as SQLite binds at most 999 values."""
    return await _chunked(db.fetch, sql, args, column, practice_ids)


async def _tuples_of_practices(
    sql: str, args: tuple[Any, ...], column: str, practice_ids: Collection[int] | None
) -> list[tuple[Any, ...]]:
    """`_of_practices`, each row a tuple in the order of the SELECT: for reads of thousands of rows,
    where a dict for every row costs more than the read."""
    return await _chunked(db.fetch_tuples, sql, args, column, practice_ids)


async def _chunked(
    read: Callable[..., Awaitable[list[R]]],
    sql: str,
    args: tuple[Any, ...],
    column: str,
    practice_ids: Collection[int] | None,
) -> list[R]:
    if practice_ids is None:
        return await read(sql.replace("{practices}", ""), *args)
    ordered = sorted(set(practice_ids))
    out: list[R] = []
    for chunk in db.chunks(ordered):
        condition = f" AND {column} IN ({', '.join('{}' for _ in chunk)})"
        out.extend(await read(sql.replace("{practices}", condition), *args, *chunk))
    return out
