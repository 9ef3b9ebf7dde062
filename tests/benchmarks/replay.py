"""A page's own SQL, recorded as the tracker runs it and replayed on one open connection: the true
limit a page is compared with (the database work it cannot avoid, without the framework around it).
"""

from __future__ import annotations

import contextvars
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiosqlite
import asyncpg

from tracker import db
from tracker.settings import Settings

Query = tuple[str, list[Any]]


_recorded = contextvars.ContextVar("replay_recorded", default=False)


@contextmanager
def recording() -> Iterator[list[Query]]:
    """Every query the engine runs while inside the block, as compiled: outside a transaction, and
    on SQLite within one too (its BEGIN, each statement and its COMMIT, in whichever thread runs
    it; without the `PRAGMA foreign_keys` Piccolo sends before each statement, which a connection
    needs only once)."""
    engine = db.engine()
    seen: list[Query] = []
    names = [n for n in ("_run_in_new_connection", "_run_in_pool") if hasattr(engine, n)]
    originals = {n: getattr(engine, n) for n in names}

    def wrap(original: Any) -> Any:
        async def recorded(query: str, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
            seen.append((query, list(args or [])))
            token = _recorded.set(True)  # its connection's own statement is this one
            try:
                return await original(query, args, *rest, **kwargs)
            finally:
                _recorded.reset(token)

        return recorded

    for n in names:
        setattr(engine, n, wrap(originals[n]))
    direct = db.read_directly

    async def read_recorded(eng: Any, query: str, args: list[Any], **kwargs: Any) -> Any:
        seen.append((query, list(args)))
        return await direct(eng, query, args, **kwargs)

    db.read_directly = read_recorded  # type: ignore[assignment]  # db.fetch's own reads, past Piccolo
    execute, executemany = aiosqlite.Connection.execute, aiosqlite.Connection.executemany

    def statement(self: Any, sql: str, parameters: Any = None) -> Any:
        if not _recorded.get() and not sql.lstrip().upper().startswith("PRAGMA"):
            seen.append((sql, list(parameters or [])))
        return execute(self, sql, parameters)

    def statements(self: Any, sql: str, parameters: Any) -> Any:
        rows = [list(p) for p in parameters]
        seen.extend((sql, row) for row in rows)
        return executemany(self, sql, rows)

    aiosqlite.Connection.execute = statement  # type: ignore[method-assign]
    aiosqlite.Connection.executemany = statements  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        aiosqlite.Connection.execute = execute  # type: ignore[method-assign]
        aiosqlite.Connection.executemany = executemany  # type: ignore[method-assign]
        db.read_directly = direct  # type: ignore[assignment]
        for n in names:
            delattr(engine, n)  # back to the class's own method


async def replay(
    settings: Settings, queries: list[Query], repeats: int, rewind: list[Query] | None = None
) -> list[float]:
    """Seconds to run the queries in order, on one connection opened beforehand, per repeat.

    A recorded write names the state it found (a return's version): replayed as it is, it would
    find its condition false and write nothing. `rewind` puts that state back before each repeat,
    untimed, so that each repeat writes and commits what the recorded one did. Without it, a
    COMMIT is replayed as a ROLLBACK. Its statements have `{}` placeholders, as `db.fetch`."""
    samples = []
    style = "postgres" if settings.uses_postgres else "sqlite"
    rewind = [(db.compile_placeholders(sql, style), args) for sql, args in rewind or ()] if rewind is not None else None
    if settings.uses_postgres:
        conn = await asyncpg.connect(settings.database_url)
        try:
            for _ in range(repeats):
                for sql, args in rewind or ():
                    await conn.execute(sql, *args)
                started = time.perf_counter()
                for sql, args in queries:
                    await conn.fetch(sql, *args)
                samples.append(time.perf_counter() - started)
        finally:
            await conn.close()
        return samples
    # Autocommit, as the tracker's connections: a recorded BEGIN ... COMMIT is its own transaction.
    raw = sqlite3.connect(str(settings.sqlite_path), isolation_level=None)
    raw.execute(db.SYNCHRONOUS)
    if rewind is None:
        statements = [("ROLLBACK" if sql.strip().upper() == "COMMIT" else sql, args) for sql, args in queries]
    else:
        statements = queries
    try:
        for _ in range(repeats):
            for sql, args in rewind or ():
                raw.execute(sql, args)
            started = time.perf_counter()
            for sql, args in statements:
                raw.execute(sql, args).fetchall()
            samples.append(time.perf_counter() - started)
    finally:
        raw.close()
    return samples
