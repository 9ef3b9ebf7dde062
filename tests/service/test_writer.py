"""Write transactions on SQLite run in the writer's own thread, one after another, each on a
connection used in that thread: the write lock is held for the time of the SQL, not for the time
the web process's event loop takes to come back to the transaction."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from tracker import db
from tracker.kv import service as kv


@pytest.fixture
def sqlite_only(clean_db: Any) -> Any:
    if not db.is_sqlite():
        pytest.skip("PostgreSQL's locks are per row: its transactions run where they are called")
    return clean_db


async def test_a_write_transaction_runs_in_the_writers_thread_on_a_connection_of_that_thread(sqlite_only: Any) -> None:
    seen: dict[str, Any] = {}

    async def work() -> str:
        async with db.write_transaction() as txn:
            seen["thread"] = threading.current_thread().name
            seen["connection"] = type(txn.connection).__name__
            await kv.put("writer:probe", "1", None)
        return "done"

    assert await db.in_writer(work) == "done"
    assert seen == {"thread": "tracker-writer", "connection": "_InlineConnection"}
    assert await kv.get("writer:probe") == ("1", None)


async def test_transactions_sent_to_the_writer_at_once_each_commit_whole(sqlite_only: Any) -> None:
    """Each waits its turn: one waiting for the write lock on the writer's loop would stop the
    transaction holding it from ever finishing."""

    async def work(n: int) -> None:
        async with db.write_transaction():
            await kv.put(f"writer:{n}:a", "a", None)
            await asyncio.sleep(0.01)  # a real suspension inside the transaction
            await kv.put(f"writer:{n}:b", "b", None)

    await asyncio.gather(*(db.in_writer(lambda n=n: work(n)) for n in range(8)))
    for n in range(8):
        assert await kv.get(f"writer:{n}:a") == ("a", None) and await kv.get(f"writer:{n}:b") == ("b", None)


async def test_an_error_in_the_writer_rolls_back_and_reaches_the_caller(sqlite_only: Any) -> None:
    async def work() -> None:
        async with db.write_transaction():
            await kv.put("writer:undone", "1", None)
            raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        await db.in_writer(work)
    assert await kv.get("writer:undone") is None


async def test_inside_an_open_transaction_the_work_joins_it(clean_db: Any) -> None:
    class Undo(Exception):
        pass

    with pytest.raises(Undo):
        async with db.write_transaction():
            await db.in_writer(lambda: kv.put("writer:joined", "1", None))
            assert await kv.get("writer:joined") == ("1", None)
            raise Undo
    assert await kv.get("writer:joined") is None


@pytest.mark.parametrize(
    ("sql", "read"),
    [
        ('SELECT ALL "period"."id" FROM "period"', True),
        ("  select 1", True),
        ("WITH t AS (SELECT 1) SELECT * FROM t", True),
        ('INSERT INTO "key_value" VALUES (?, ?, ?) RETURNING "id"', False),
        ('UPDATE "practice_return" SET "version" = 2', False),
        ('DELETE FROM "session"', False),
        ("WITH t AS (SELECT 1) DELETE FROM x WHERE id IN t", False),
        ("PRAGMA journal_mode=WAL", False),
    ],
)
def test_only_reads_run_where_they_are_asked_for(sql: str, read: bool) -> None:
    assert db._reads_only(sql) is read


async def test_a_read_runs_in_the_calling_thread_unless_told_to_run_beside_the_loop(sqlite_only: Any) -> None:
    engine = db.engine()
    assert isinstance(engine, db.ReusingSQLiteEngine)
    await kv.put("writer:read", "1", None)
    await engine.close_idle()
    assert await kv.get("writer:read") == ("1", None)
    assert engine._idle == []  # no connection thread was used for it
    assert engine._readers.conn is not None
    await engine.close_idle()
    with db.reads_beside_the_loop():
        assert await kv.get("writer:read") == ("1", None)
    assert engine._readers.conn is None  # read in a worker thread, on that thread's connection


async def test_every_connection_that_writes_commits_without_waiting_for_the_disk(sqlite_only: Any) -> None:
    """WAL with synchronous=NORMAL (1), as the issue on deadline day asks: a write transaction's
    connection, in the writer's thread or not, the connections kept for single statements, and a
    connection of a caller's own."""
    seen: list[int] = []
    async with db.write_transaction() as txn:
        seen.append((await txn.connection.execute_fetchall("PRAGMA synchronous"))[0]["synchronous"])
    engine = db.engine()
    async with engine.transaction() as txn:  # in this thread: Piccolo's own connection
        seen.append((await txn.connection.execute_fetchall("PRAGMA synchronous"))[0]["synchronous"])
    assert isinstance(engine, db.ReusingSQLiteEngine)
    idle = await engine._open()
    assert idle is not None
    seen.append((await idle.execute_fetchall("PRAGMA synchronous"))[0]["synchronous"])
    await idle.close()
    own = db.own_sqlite_connection()  # the sender's, for marking emails sent
    assert own is not None
    seen.append(own.execute("PRAGMA synchronous").fetchone()[0])
    own.close()
    assert seen == [1, 1, 1, 1]
