"""The data token moves on with every committed change to a watched table, from any connection,
and with nothing else; every table is either watched or named as not shown by any export."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.exports.seed import seed_world
from tracker import db
from tracker.changes import service as changes
from tracker.tables import TABLES, AuditEvent, Ccg, KeyValue


async def test_every_table_is_watched_or_named_unwatched(clean_db: Any) -> None:
    every = {t._meta.tablename for t in TABLES}
    assert await changes.watched_tables() == every - changes.UNWATCHED
    assert changes.UNWATCHED <= every


async def test_writes_move_the_token_on_and_other_tables_do_not(clean_db: Any) -> None:
    await seed_world()
    before = await changes.token()
    assert await changes.token() == before  # reading changes nothing
    await KeyValue.insert(KeyValue(key="session:x", value="{}", expires_at=None))
    assert await changes.token() == before
    await Ccg.update({Ccg.name: "NHS Renamed CCG"}).where(Ccg.code == "11J")
    renamed = await changes.token()
    assert renamed != before
    await Ccg.delete().where(Ccg.code == "NOPE")  # touches no row: may or may not move it
    moved = await changes.token()
    await Ccg.update({Ccg.name: "NHS Renamed Again CCG"}).where(Ccg.code == "11J")
    assert await changes.token() not in {before, renamed, moved}
    assert AuditEvent._meta.tablename in changes.UNWATCHED


async def test_a_rolled_back_change_leaves_the_token_alone(clean_db: Any) -> None:
    await seed_world()
    before = await changes.token()

    async def rolled_back() -> None:
        with pytest.raises(RuntimeError):
            async with db.write_transaction():
                await Ccg.update({Ccg.name: "Never"}).where(Ccg.code == "11J")
                raise RuntimeError("undone")

    await db.in_writer(rolled_back)
    assert await changes.token() == before


def test_the_token_is_the_set_of_stamps() -> None:
    assert changes.token_of([(1, 5), (0, 7)]) == changes.token_of([(0, 7), (1, 5)])
    assert changes.token_of([(0, 7)]) != changes.token_of([(0, 8)])
    assert changes.token_of([(0, 7)]) != changes.token_of([(0, 7), (1, 1)])


@pytest.mark.skipif("not __import__('os').environ.get('TRACKER_DATABASE_URL')", reason="PostgreSQL only")
async def test_writers_on_postgres_never_wait_for_one_another(clean_db: Any) -> None:
    """Two transactions writing watched tables at once, on two connections: the second is not held
    up by the first's stamp (each server process stamps its own row)."""
    import asyncpg

    await seed_world()
    dsn = db.engine().config["dsn"]  # type: ignore[attr-defined]
    first, second = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        await second.execute("SET lock_timeout = '10s'")
        before = await changes.token()
        async with first.transaction():
            # Practices, not CCGs: the reference tables (changes.REFERENCE: organisation names,
            # periods, the catalogue) share one stamp row, written a few times a year.
            await first.execute("UPDATE practice SET name = 'First' WHERE ods_code = 'A81001'")
            async with second.transaction():
                await second.execute("UPDATE practice SET name = 'Second' WHERE ods_code = 'J81001'")
            assert await changes.token() != before  # the second committed, the first not yet
            during = await changes.token()
        assert await changes.token() != during
        rows = await db.fetch("SELECT count(*) AS n FROM data_change")
        assert rows[0]["n"] >= 2
    finally:
        await asyncio.gather(first.close(), second.close())

    # The rows of server processes that have ended fold into slot 0, and the token moves on.
    folded_before = await changes.token()
    assert await changes.fold_finished() >= 2
    assert await changes.token() != folded_before
