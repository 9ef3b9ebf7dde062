"""Reference data kept by a process (organisation names, periods, the catalogue) is read again as
soon as any of it changes, from any connection; a return saved leaves it kept."""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from tests.exports.seed import seed_world
from tracker import db
from tracker.changes import service as changes
from tracker.indicators import service as indicators
from tracker.organisations import service as organisations
from tracker.periods import service as periods
from tracker.tables import Ccg, Indicator, Period, Region, ReturnValue


async def test_a_changed_name_is_read_again_and_a_return_saved_leaves_the_stamp(clean_db: Any) -> None:
    await seed_world()
    _, ccgs = await organisations.org_names()
    code = next(c.code for c in ccgs.values())
    stamp = await changes.reference_stamp()
    await ReturnValue.update({ReturnValue.comment: "a draft saved"}, force=True)
    assert await changes.reference_stamp() == stamp  # returns are not reference data
    await Ccg.update({Ccg.name: "NHS Renamed CCG"}).where(Ccg.code == code)
    assert await changes.reference_stamp() != stamp
    _, ccgs = await organisations.org_names()
    assert {c.name for c in ccgs.values() if c.code == code} == {"NHS Renamed CCG"}
    await Region.update({Region.name: "Renamed region"}, force=True)
    assert {r.name for r in await organisations.regions_by_id()} == {"Renamed region"}


async def test_a_new_period_and_a_retired_indicator_are_seen_at_once(clean_db: Any) -> None:
    await seed_world()
    before = await periods.all_periods()
    specs, _ids = await indicators.active_indicators_and_ids()
    await Period.insert(
        Period(
            code="2030/31-Q1",
            financial_year="2030/31",
            quarter=1,
            start_date=dt.date(2030, 4, 1),
            end_date=dt.date(2030, 6, 30),
            opens_on=dt.date(2030, 7, 1),
            due_on=dt.date(2030, 7, 31),
            locks_on=dt.date(2030, 8, 30),
        )
    )
    assert [p.code for p in await periods.all_periods()] == [p.code for p in before] + ["2030/31-Q1"]
    retired = specs[0].code
    await Indicator.update({Indicator.active: False}).where(Indicator.code == retired)
    assert retired not in {s.code for s in await indicators.active_indicators()}
    assert retired in await indicators.indicator_ids()  # retired, not removed


async def test_a_copy_each_caller_may_change(clean_db: Any) -> None:
    await seed_world()
    first = await periods.all_periods()
    first.clear()
    assert await periods.all_periods()
    regions, _ = await organisations.org_names()
    regions.clear()
    assert (await organisations.org_names())[0]


async def test_a_change_from_another_connection_is_seen(clean_db: Any) -> None:
    await seed_world()
    await organisations.org_names()
    if db.is_sqlite():
        engine = db.engine()
        with sqlite3.connect(engine.path) as other:  # type: ignore[attr-defined]
            other.execute("UPDATE ccg SET name = 'NHS Elsewhere CCG' WHERE code = '11J'")
    else:
        import asyncpg

        other = await asyncpg.connect(clean_db.database_url)
        try:
            await other.execute("UPDATE ccg SET name = 'NHS Elsewhere CCG' WHERE code = '11J'")
        finally:
            await other.close()
    _, ccgs = await organisations.org_names()
    assert {c.name for c in ccgs.values() if c.code == "11J"} == {"NHS Elsewhere CCG"}


async def test_one_request_reads_the_stamp_once_and_the_next_request_sees_a_change(clean_db: Any) -> None:
    await seed_world()
    seen: list[int | None] = []

    async def page(scope: Any, receive: Any, send: Any) -> None:
        seen.append(await changes.reference_stamp())
        await Ccg.update({Ccg.name: f"NHS Renamed {len(seen)} CCG"}).where(Ccg.code == "11J")
        seen.append(await changes.reference_stamp())  # the same moment as the rest of the page

    app = changes.OneStampPerRequest(page)
    await app({"type": "http"}, None, None)
    assert seen[0] == seen[1]
    await app({"type": "http"}, None, None)
    assert seen[2] != seen[1]  # the first request's change, seen by the next
    assert seen[2] == seen[3]
    assert await changes.reference_stamp() != seen[3]  # outside a request: read every time
