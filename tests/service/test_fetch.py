"""`db.fetch` and `db.fetch_tuples` give the same rows, in and out of a transaction, and the same
as Piccolo's own query would."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.exports.seed import seed_world
from tracker import db
from tracker.tables import Period

SQL = "SELECT id, code, start_date, locks_on FROM period WHERE start_date >= {} ORDER BY start_date"


async def test_tuples_are_the_dicts_values_in_select_order(clean_db: Any) -> None:
    await seed_world()
    since = dt.date(2015, 1, 1)
    dicts = await db.fetch(SQL, since)
    tuples = await db.fetch_tuples(SQL, since)
    assert dicts and tuples == [tuple(d.values()) for d in dicts]
    assert isinstance(tuples[0][2], dt.date)  # converted as Piccolo converts them
    piccolo = (
        await Period.select(Period.id, Period.code, Period.start_date, Period.locks_on)
        .where(Period.start_date >= since)
        .order_by(Period.start_date)
    )
    assert dicts == piccolo


async def test_inside_a_transaction_the_same_rows(clean_db: Any) -> None:
    await seed_world()
    outside = await db.fetch_tuples(SQL, dt.date(2015, 1, 1))

    async def inside() -> list[tuple[Any, ...]]:
        async with db.write_transaction():
            return await db.fetch_tuples(SQL, dt.date(2015, 1, 1))

    assert await db.in_writer(inside) == outside
