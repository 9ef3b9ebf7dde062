"""A page's own SQL, recorded as the tracker runs it and replayed on one open connection: the true
limit a page is compared with (the database work it cannot avoid, without the framework around it).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg

from tracker import db
from tracker.settings import Settings

Query = tuple[str, list[Any]]


@contextmanager
def recording() -> Iterator[list[Query]]:
    """Every query the engine runs outside a transaction while inside the block, as compiled."""
    engine = db.engine()
    seen: list[Query] = []
    names = [n for n in ("_run_in_new_connection", "_run_in_pool") if hasattr(engine, n)]
    originals = {n: getattr(engine, n) for n in names}

    def wrap(original: Any) -> Any:
        async def recorded(query: str, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
            seen.append((query, list(args or [])))
            return await original(query, args, *rest, **kwargs)

        return recorded

    for n in names:
        setattr(engine, n, wrap(originals[n]))
    direct = db.read_directly

    async def read_recorded(eng: Any, query: str, args: list[Any], **kwargs: Any) -> Any:
        seen.append((query, list(args)))
        return await direct(eng, query, args, **kwargs)

    db.read_directly = read_recorded  # type: ignore[assignment]  # db.fetch's own reads, past Piccolo
    try:
        yield seen
    finally:
        db.read_directly = direct  # type: ignore[assignment]
        for n in names:
            delattr(engine, n)  # back to the class's own method


async def replay(settings: Settings, queries: list[Query], repeats: int) -> list[float]:
    """Seconds to run the queries in order, on one connection opened beforehand, per repeat."""
    samples = []
    if settings.uses_postgres:
        conn = await asyncpg.connect(settings.database_url)
        try:
            for _ in range(repeats):
                started = time.perf_counter()
                for sql, args in queries:
                    await conn.fetch(sql, *args)
                samples.append(time.perf_counter() - started)
        finally:
            await conn.close()
        return samples
    raw = sqlite3.connect(str(settings.sqlite_path))
    try:
        for _ in range(repeats):
            started = time.perf_counter()
            for sql, args in queries:
                raw.execute(sql, args).fetchall()
            samples.append(time.perf_counter() - started)
    finally:
        raw.close()
    return samples
