"""The database engine, built from Settings: embedded SQLite by default, PostgreSQL by URL.

Piccolo finds its engine through `tracker.piccolo_conf.DB`; `configure()` points that, and every
table of the tracker, at the engine for the given settings, so one process can be configured
explicitly (tests, CLI) without reading the environment at import.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import decimal
import functools
import json
import os
import re
import sqlite3
import string
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory
from piccolo.table import Table

from tracker import clock
from tracker.settings import Settings

PICCOLO_CONF = "tracker.piccolo_conf"
T = TypeVar("T")


_POOL_SIZE: dict[int, int] = {}

# Piccolo converts every INTEGER value read from SQLite through text and a Decimal, to guard against
# text stored in an integer column, which the tracker never writes: SQLite's integer affinity
# already gives Python ints. On a CCG's review queue that conversion took a third of the page.
sqlite3.converters.pop("INTEGER", None)


def as_dicts(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    """A cursor's rows as dicts by column name (what Piccolo's SQLite engine gives)."""
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


CONNECT_TIMEOUT_SECONDS = 5


# Reads run in the thread that asks for them, on a connection of that thread, rather than in a
# connection thread of their own: SQLite's module lets go of the interpreter lock for every row, and
# under load a connection thread then waited for it again for every row while the event loop drew
# pages. In WAL mode a read never waits for a lock, so it never holds the loop up for longer than
# its SQL. Bulk readers (the national workbook) set `_in_threads` to read beside the loop instead.
_in_threads: contextvars.ContextVar[bool] = contextvars.ContextVar("tracker_reads_in_threads", default=False)
_READ = re.compile(r"\s*(SELECT|WITH)\b(?!.*\b(INSERT|UPDATE|DELETE|RETURNING)\b)", re.IGNORECASE | re.DOTALL)


@contextmanager
def reads_beside_the_loop() -> Iterator[None]:
    """Within this block, reads run in connection threads: for a bulk read (a national workbook's
    second of SQL), which would otherwise hold every other request up for its length."""
    token = _in_threads.set(True)
    try:
        yield
    finally:
        _in_threads.reset(token)


@functools.lru_cache(maxsize=4096)
def _reads_only(query: str) -> bool:
    # Remembered per text: the pattern scans the whole text (for a write after the SELECT), and a
    # page asks it of the same few texts on every request.
    return _READ.match(query) is not None


class _InlineConnection(aiosqlite.Connection):
    """aiosqlite's interface over an sqlite3 connection used in the calling thread, for the writer
    (below). Its loop runs nothing but one transaction at a time, so a hop to a connection thread
    for each call would only add waits for the interpreter lock: under load, thousands of them made
    one score refresh take 50 s instead of 0.15 s. sqlite3 releases that lock while SQL runs.

    Closed, it hands its sqlite3 connection to `keep` (the engine keeps one for the next
    transaction) instead of closing it: opening a connection, and reading the schema again on its
    first statement, was most of a draft save's database time."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], keep: Callable[[sqlite3.Connection], None]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._keep = keep

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def _connect(self) -> aiosqlite.Connection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        return self._connect().__await__()  # no thread to start

    def stop(self) -> None:  # type: ignore[override]
        self._running = False
        if self._connection is not None:
            self._keep(self._connection)
            self._connection = None

    async def close(self) -> None:
        self.stop()


class _PooledConnection(aiosqlite.Connection):
    """One of the engine's idle connections (below). Closed at the end of a transaction that ran
    on it, it goes back to the idle ones instead, holding no transaction: a connection, and the
    thread aiosqlite starts for it, for every transaction was several times its SQL."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], release: Callable[[Any], bool]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._release = release

    async def close(self) -> None:
        if self._connection is not None and self._running and not self.in_transaction and self._release(self):
            return
        await super().close()


# In WAL mode, a commit is safe from a process that dies (killed, crashed) once it returns; with
# NORMAL the WAL is flushed to disk at checkpoints rather than at every commit, so a power cut can
# lose the last commits (never the file's consistency). Every commit waiting for the disk was
# most of a small write's time. Set on every connection that writes.
SYNCHRONOUS = "PRAGMA synchronous = NORMAL"


def own_sqlite_connection() -> sqlite3.Connection | None:
    """On SQLite, a connection of the caller's own, set up as the engine's writing connections are
    (foreign keys, `SYNCHRONOUS`), for work that writes from one worker thread at a time (to_thread
    may pick another thread each time); None on PostgreSQL. The caller closes it."""
    eng = engine()
    if not isinstance(eng, SQLiteEngine):
        return None
    return _writing_connection(eng)


def _writing_connection(eng: SQLiteEngine) -> sqlite3.Connection:
    # check_same_thread off: such a connection may be closed, once its work is done, by a thread
    # other than the one that used it.
    conn = sqlite3.connect(**{**eng.connection_kwargs, "check_same_thread": False})
    conn.execute("PRAGMA foreign_keys = 1")
    conn.execute(SYNCHRONOUS)
    return conn


class ReusingSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, keeping a few idle connections open for queries run outside a
    transaction, instead of opening a connection (and its thread) for every query and closing it.

    Each query still has a connection to itself, in autocommit mode, for the length of the query
    only: a connection goes back to the idle ones only once its cursor is closed and it holds no
    transaction, so it holds no lock either. A transaction (`write_transaction`, IMMEDIATE) run
    outside the writer takes an idle connection too, for itself alone, and gives it back once it
    has committed or rolled back: the write-lock discipline is unchanged.
    """

    IDLE_MAX = 4

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idle: list[aiosqlite.Connection] = []
        self._readers = threading.local()
        # The writer's connection between its transactions, with the process that opened it: a
        # forked child must never use its parent's connection (nor close it).
        self._kept_writer: tuple[int, sqlite3.Connection] | None = None

    async def _open(self) -> aiosqlite.Connection | None:
        conn = _PooledConnection(functools.partial(sqlite3.connect, **self.connection_kwargs), self._release)
        thread = getattr(conn, "_thread", None)
        if not isinstance(thread, threading.Thread):
            return None  # an aiosqlite whose worker thread cannot be marked: no reuse
        # A daemon thread: an idle connection left open never holds the process up at exit.
        thread.daemon = True
        await conn
        conn.row_factory = dict_factory  # type: ignore[assignment]
        await conn.execute("PRAGMA foreign_keys = 1")
        await conn.execute(SYNCHRONOUS)
        return conn

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: type[Table] | None = None,
    ) -> Any:
        if _reads_only(query) and not _in_threads.get():
            return as_dicts(self._reader().execute(query, args or []))
        conn = self._idle.pop() if self._idle else await self._open()
        if conn is None or (query_type == "insert" and self.get_version_sync() < 3.35):
            if conn is not None:
                self._idle.append(conn)
            return await super()._run_in_new_connection(query, args, query_type, table)
        reusable = False
        try:
            # One hop to the connection's thread (execute and fetch there), not three (execute,
            # fetch, close the cursor): a page's queries each waited on all three.
            rows = await conn.execute_fetchall(query, args or [])
            reusable = not conn.in_transaction
            return rows
        finally:
            if reusable and len(self._idle) < self.IDLE_MAX:
                self._idle.append(conn)
            else:
                await conn.close()

    def _release(self, conn: aiosqlite.Connection) -> bool:
        """Keep a connection that holds no transaction for the next query or transaction (False:
        enough are kept already, close it)."""
        if len(self._idle) >= self.IDLE_MAX:
            return False
        self._idle.append(conn)
        return True

    async def close_idle(self) -> None:
        while self._idle:
            await aiosqlite.Connection.close(self._idle.pop())  # closed, not released to the idle ones again
        kept, self._kept_writer = self._kept_writer, None
        if kept is not None and kept[0] == os.getpid():
            kept[1].close()
        reader = getattr(self._readers, "conn", None)
        if reader is not None:
            reader.close()
            self._readers.conn = None

    def _reader(self) -> sqlite3.Connection:
        """This thread's connection for reads run where they are asked for."""
        conn = getattr(self._readers, "conn", None)
        if conn is None:
            # Rows come back as tuples, made dicts by `as_dicts` a whole result at a time: a row
            # factory is a Python call for every row.
            conn = sqlite3.connect(**self.connection_kwargs)
            self._readers.conn = conn
        return conn

    async def get_connection(self) -> aiosqlite.Connection:
        """A transaction's connection: in the writer's thread, one used in that thread (the one
        kept from its last transaction, when there is one)."""
        if threading.current_thread() is not _writer_thread:
            conn = self._idle.pop() if self._idle else await self._open()
            if conn is not None:
                return conn  # set up as a transaction's connection is (foreign keys, SYNCHRONOUS)
            conn = await super().get_connection()
            await conn.execute(SYNCHRONOUS)
        else:
            # Set up (foreign keys, SYNCHRONOUS) once, when opened, not again for every transaction.
            conn = await _InlineConnection(self._writer_connection, self._keep_writer_connection)
            conn.row_factory = dict_factory  # type: ignore[assignment]
        return conn

    def _writer_connection(self) -> sqlite3.Connection:
        kept, self._kept_writer = self._kept_writer, None
        if kept is not None and kept[0] == os.getpid():
            return kept[1]
        return _writing_connection(self)

    def _keep_writer_connection(self, conn: sqlite3.Connection) -> None:
        # Only a connection that holds no transaction (so no lock): a failed one is closed, and its
        # transaction with it.
        if self._kept_writer is None and not conn.in_transaction:
            self._kept_writer = (os.getpid(), conn)
        else:
            conn.close()


class ReusingPostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine, keeping a few idle connections open for queries run outside a
    transaction when there is no pool (commands, tests), instead of connecting for every query:
    a connection costs several milliseconds, the query itself a few hundredths of one.

    asyncpg connections belong to the event loop that opened them, so the idle ones are kept per
    loop. A connection goes back to the idle ones only when it holds no transaction; transactions
    open their own connection as before.
    """

    IDLE_MAX = 4

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Piccolo's own set-up already runs a query (the server version) on a loop of its own that
        # ends at once: its connection is closed, not kept.
        self._idle: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, list[Any]] = weakref.WeakKeyDictionary()
        self._reuse = False
        super().__init__(*args, **kwargs)
        self._reuse = True

    async def _run_in_new_connection(self, query: str, args: Sequence[Any] | None = None) -> Any:
        idle = self._idle.setdefault(asyncio.get_running_loop(), [])
        conn = idle.pop() if idle else None
        if conn is None or conn.is_closed():
            conn = await self.get_new_connection()
        reusable = False
        try:
            rows = await conn.fetch(query, *(args or []))
            reusable = self._reuse and not conn.is_in_transaction()
            return rows
        finally:
            if reusable and len(idle) < self.IDLE_MAX:
                idle.append(conn)
            else:
                await conn.close()

    async def close_idle(self) -> None:
        idle = self._idle.pop(asyncio.get_running_loop(), [])
        while idle:
            await idle.pop().close()


def build_engine(settings: Settings) -> Engine:
    if settings.uses_postgres:
        # A short connect timeout: a command or a probe says "unreachable" in seconds, not a minute.
        engine_ = ReusingPostgresEngine(config={"dsn": settings.database_url, "timeout": CONNECT_TIMEOUT_SECONDS})
        _POOL_SIZE[id(engine_)] = settings.database_pool_size
        return engine_
    # timeout is SQLite's busy timeout: writers queue for a lock instead of failing at once.
    return ReusingSQLiteEngine(path=str(settings.sqlite_path), timeout=30)


def all_tables() -> list[type[Table]]:
    from tracker import tables

    return list(tables.TABLES)


_configured: Settings | None = None


def configured_settings() -> Settings | None:
    """The settings this process's database was last configured from (None: not configured): what
    another process needs to open the same database on the same clock."""
    return _configured


def configure(settings: Settings) -> Engine:
    """Make every tracker table, and Piccolo's migration machinery, use this settings' database."""
    import tracker.piccolo_conf as conf

    global _configured
    _configured = settings
    os.environ.setdefault("PICCOLO_CONF", PICCOLO_CONF)
    clock.use(settings)
    engine = build_engine(settings)
    conf.DB = engine
    for table in all_tables():
        table._meta.db = engine
    from piccolo.apps.migrations.tables import Migration

    Migration._meta.db = engine
    return engine


def engine() -> Engine:
    import tracker.piccolo_conf as conf

    return conf.DB


async def start(engine_: Engine) -> None:
    """Ready the engine for a process's lifetime: a connection pool on PostgreSQL, WAL on SQLite."""
    if isinstance(engine_, PostgresEngine):
        size = _POOL_SIZE.get(id(engine_), 10)
        if size > 0 and engine_.pool is None:
            await engine_.start_connection_pool(min_size=1, max_size=size)
    elif isinstance(engine_, SQLiteEngine):
        Path(engine_.path).parent.mkdir(parents=True, exist_ok=True)
        # WAL lets readers carry on while one writer writes; it is stored in the file itself.
        await engine_.run_ddl("PRAGMA journal_mode=WAL")


async def stop(engine_: Engine) -> None:
    if isinstance(engine_, ReusingPostgresEngine):
        await engine_.close_idle()
    if isinstance(engine_, PostgresEngine) and engine_.pool is not None:
        await engine_.close_connection_pool()
    elif isinstance(engine_, ReusingSQLiteEngine):
        await engine_.close_idle()


@asynccontextmanager
async def write_transaction() -> AsyncIterator[Any]:
    """A transaction for read-then-write work.

    On SQLite it is IMMEDIATE: the write lock is taken at the start, so two concurrent
    read-then-write transactions queue (busy timeout) instead of one failing with
    "database is locked" when it tries to upgrade its read lock.
    """
    eng = engine()
    if isinstance(eng, SQLiteEngine):
        async with eng.transaction(transaction_type=TransactionType.immediate) as txn:
            yield txn
    else:
        async with eng.transaction() as txn:
            yield txn


# SQLite has one write lock for the whole file. A transaction run on the web process's event loop
# holds it across every await: on deadline day each of its statements waited its turn behind
# dozens of pages being drawn, the lock was held for seconds and other saves failed with "database
# is locked" after the busy timeout. Write transactions run on a loop of their own instead, in a
# thread that does nothing else, so the lock is held for about the time of the SQL.
# Its transactions run one after another: each holds the database's write lock, and a second one
# waiting for that lock would block the loop the first needs to finish.
_writer_loop: asyncio.AbstractEventLoop | None = None
_writer_thread: threading.Thread | None = None
_writer_turn: asyncio.Lock | None = None
_writer_pid = 0
_writer_started = threading.Lock()


def _writer() -> asyncio.AbstractEventLoop:
    global _writer_loop, _writer_thread, _writer_turn, _writer_pid
    with _writer_started:
        # A forked child has the parent's loop object but not its thread.
        if _writer_loop is None or _writer_loop.is_closed() or _writer_pid != os.getpid():
            _writer_turn = None
            loop = asyncio.new_event_loop()
            _writer_thread = threading.Thread(target=loop.run_forever, name="tracker-writer", daemon=True)
            _writer_thread.start()
            _writer_loop, _writer_pid = loop, os.getpid()
        return _writer_loop


async def in_writer(work: Callable[[], Awaitable[T]]) -> T:
    """`await work()`, on SQLite on the writer's own loop (see above); on PostgreSQL, whose locks
    are per row, here. Within a transaction already open here it runs here too: its statements must
    use that transaction's connection, and a second connection would wait on its lock."""
    eng = engine()
    if not isinstance(eng, SQLiteEngine) or eng.current_transaction.get() is not None:
        return await work()
    running = asyncio.run_coroutine_threadsafe(_call(work), _writer())
    return await asyncio.wrap_future(running)


async def _call(work: Callable[[], Awaitable[T]]) -> T:
    global _writer_turn
    if _writer_turn is None:
        _writer_turn = asyncio.Lock()  # made on the writer's loop, the only one that uses it
    async with _writer_turn:
        return await work()


async def serialise(name: str) -> None:
    """Inside a write transaction: wait for any other transaction serialised under `name` to end.

    On PostgreSQL two transactions that each replace the same rows (delete, then insert) would
    otherwise interleave and the second insert would clash with the first's committed rows; a
    transaction-scoped advisory lock queues them. SQLite's IMMEDIATE transactions already queue.
    """
    if not is_sqlite():
        await fetch("SELECT pg_advisory_xact_lock(hashtext({}))", name)


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)


def as_stored(value: Any) -> Any:
    """The value as the driver binds it, for one value bound in every row of a bulk write: SQLite's
    module calls the adapter Piccolo registered (a Python function) for each datetime of each row,
    which was a third of queueing a reminder run's emails. PostgreSQL's writes take it as it is."""
    adapt = sqlite3.adapters.get((type(value), sqlite3.PrepareProtocol)) if is_sqlite() else None
    return value if adapt is None else adapt(value)


async def migrate() -> None:
    """Run every migration not yet applied (the same files on SQLite and PostgreSQL)."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    eng = engine()
    if isinstance(eng, SQLiteEngine):
        await start(eng)
    result = await run_forwards(app_name="tracker", migration_id="all", fake=False)
    if not result.success:
        raise RuntimeError(f"Migrations failed: {result.message}")


async def bulk_insert(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows fast, inside the caller's transaction when there is one.

    Imports and the demo write hundreds of thousands of rows; building an ORM object per row costs
    more than the write itself, so rows go to the driver in batches of plain tuples.
    """
    if not rows:
        return
    eng = engine()
    if isinstance(eng, PostgresEngine):
        txn = eng.current_transaction.get()
        if txn is not None:
            await txn.connection.copy_records_to_table(table, records=rows, columns=list(columns))
        elif eng.pool is not None:
            async with eng.pool.acquire() as conn:
                await conn.copy_records_to_table(table, records=rows, columns=list(columns))
        else:
            conn = await eng.get_new_connection()
            try:
                await conn.copy_records_to_table(table, records=rows, columns=list(columns))
            finally:
                await conn.close()
        return
    assert isinstance(eng, SQLiteEngine)
    cols = ", ".join(f'"{c}"' for c in columns)
    placeholders = ", ".join("?" for _ in columns)
    sql = f'INSERT INTO "{table}" ({cols}) VALUES ({placeholders})'  # noqa: S608 (names from code, values bound)
    sqlite_txn = eng.current_transaction.get()
    if sqlite_txn is not None:
        await sqlite_txn.connection.executemany(sql, rows)
    else:
        async with eng.transaction(transaction_type=TransactionType.immediate) as new_txn:
            await new_txn.connection.executemany(sql, rows)


async def insert_new(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]], key: str) -> int:
    """Insert the rows whose `key` (a unique column) is not taken yet, inside the caller's
    transaction (`write_transaction`); how many were new.

    The database skips the clashes (ON CONFLICT DO NOTHING), so two processes inserting the same
    keys at once each insert only what the other did not, and the count is what this call added.
    """
    eng = engine()
    txn = eng.current_transaction.get()
    if txn is None:
        raise RuntimeError("insert_new runs inside a write_transaction")
    if not rows:
        return 0
    cols = ", ".join(f'"{c}"' for c in columns)
    if isinstance(eng, PostgresEngine):
        # One statement for every row: the table's own row type gives each JSON value its type.
        records = json.dumps([dict(zip(columns, r, strict=True)) for r in rows], default=_json_value)
        sql = (
            f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM json_populate_recordset(NULL::"{table}", $1::json) '  # noqa: S608
            f'ON CONFLICT ("{key}") DO NOTHING RETURNING 1'
        )
        return len(await txn.connection.fetch(sql, records))
    placeholders = ", ".join("?" for _ in columns)
    sql = f'INSERT INTO "{table}" ({cols}) VALUES ({placeholders}) ON CONFLICT ("{key}") DO NOTHING'  # noqa: S608
    cursor = await txn.connection.executemany(sql, rows)
    return int(cursor.rowcount)  # the rows inserted: a skipped row counts none


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):  # and datetimes, with their offset
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot go in JSON")


# SQLite binds at most 999 values to one statement; lists of ids longer than that go in pieces.
BIND_CHUNK = 500


def chunks(values: Sequence[T], size: int = BIND_CHUNK) -> list[list[T]]:
    """`values` in pieces of at most `size`, in order, for queries that bind each piece."""
    return [list(values[start : start + size]) for start in range(0, len(values), size)]


# Values a query binds as they are: anything else (a Piccolo column or fragment) goes through Piccolo.
_PLAIN = (int, float, str, bytes, dt.date, dt.datetime, decimal.Decimal, type(None))
_compiled: dict[tuple[str, str], str] = {}


def compile_placeholders(sql: str, style: str) -> str:
    """`sql` with Piccolo's `{}` placeholders as the driver's own (`?` for SQLite, `$1`... for
    PostgreSQL), the way Piccolo's QueryString compiles them; remembered per text."""
    found = _compiled.get((sql, style))
    if found is None:
        parts: list[str] = []
        n = 0
        for literal, field, _spec, _conversion in string.Formatter().parse(sql):
            parts.append(literal)
            if field is not None:
                if field:
                    raise ValueError(f"only empty placeholders ({{}}) are bound: {{{field}}}")
                n += 1
                parts.append("?" if style == "sqlite" else f"${n}")
        found = "".join(parts)
        if len(_compiled) < 4096:  # the texts are the code's own; the bound is only a safeguard
            _compiled[(sql, style)] = found
    return found


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run a read-only SQL query with `{}` placeholders, for either engine.

    Outside a transaction it goes straight to the driver (SQLite: this thread's connection;
    PostgreSQL: the pool), without Piccolo's query object, which costs several times the query on
    a page's small reads. The rows are the ones Piccolo would give: the same connection settings
    convert the same columns."""
    eng = engine()
    if (style := _direct_style(eng, sql, args)) is not None:
        return await read_directly(eng, compile_placeholders(sql, style), list(args))
    from tracker.tables import Region

    return await Region.raw(sql, *args)


def _direct_style(eng: Engine, sql: str, args: tuple[Any, ...]) -> str | None:
    """The placeholder style of a read that may go straight to the driver, or None when Piccolo
    must run it (inside a transaction, or with a Piccolo fragment bound)."""
    if eng.current_transaction.get() is not None or not all(isinstance(a, _PLAIN) for a in args):
        return None
    if isinstance(eng, ReusingSQLiteEngine) and _reads_only(sql):
        return "sqlite"
    if isinstance(eng, PostgresEngine) and eng.pool is not None:
        return "postgres"
    return None


async def fetch_tuples(sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """`fetch`, each row a tuple in the order of the SELECT: for a read of hundreds of rows whose
    columns the caller names itself, where a dict for every row costs more than the read."""
    eng = engine()
    if (style := _direct_style(eng, sql, args)) is not None:
        return await read_directly(eng, compile_placeholders(sql, style), list(args), tuples=True)
    return [tuple(r.values()) for r in await fetch(sql, *args)]


async def read_directly(eng: Engine, query: str, args: list[Any], *, tuples: bool = False) -> list[Any]:
    """A compiled read on the driver itself (what `fetch` does outside a transaction): rows as
    dicts, or as tuples."""
    if isinstance(eng, ReusingSQLiteEngine):
        if _in_threads.get():
            # Beside the loop: in a worker thread, on that thread's own connection. Through Piccolo
            # instead, a bulk read's long `IN (...)` was compiled bind by bind and each of its rows
            # made a dict by a Python row factory, holding the interpreter lock the loop needs.
            return await asyncio.to_thread(_read_sqlite, eng, query, args, tuples)
        return _read_sqlite(eng, query, args, tuples)
    assert isinstance(eng, PostgresEngine) and eng.pool is not None
    async with eng.pool.acquire() as conn:
        records = await conn.fetch(query, *args)
    return [tuple(r) for r in records] if tuples else [dict(r) for r in records]


def _read_sqlite(eng: ReusingSQLiteEngine, query: str, args: list[Any], tuples: bool) -> list[Any]:
    cursor = eng._reader().execute(query, args)
    return cursor.fetchall() if tuples else as_dicts(cursor)
