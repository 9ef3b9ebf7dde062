"""The test harness: a real database (SQLite by default, PostgreSQL when TRACKER_DATABASE_URL is
set), migrated once per session and emptied after each test; an app client; a real server
process; a real browser."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from piccolo.engine.sqlite import SQLiteEngine

from tracker import clock, db
from tracker.app import create_app
from tracker.returns import review_service
from tracker.settings import Settings
from tracker.tables import TABLES

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"

pytest_plugins = ["tests.fixtures_server"]


def _cheap_password_hashing() -> None:
    """argon2 at its cheapest, in this process only: the production profile costs half a second a
    sign-in on a shared machine, and the suite signs in thousands of times. Known and unknown
    emails still go through the same hasher (the timing tests compare them), and a real server
    process (the browser tests) keeps the production profile; the profile itself is checked in
    tests/accounts/test_passwords.py."""
    from argon2 import PasswordHasher

    from tracker.accounts import passwords

    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


_cheap_password_hashing()


MEMORY_TEMPROOT = Path("/dev/shm")  # a tmpfs on Linux


def pytest_configure(config: pytest.Config) -> None:
    """Temporary folders (each process's database among them) in memory when the machine has a
    tmpfs and nobody chose a place: every committed write to a SQLite file on disk waits for an
    fsync, and the suite commits tens of thousands of times: on a busy disk the route matrix and
    security tests spent about a third of their time waiting for it. The databases are the same real SQLite files
    (WAL and all); only the medium is memory, as PostgreSQL in CI already runs with fsync off.
    Under pytest-xdist the controller picks the folder and each worker gets its own inside it."""
    chosen = config.option.basetemp or os.environ.get("PYTEST_DEBUG_TEMPROOT") or os.environ.get("TMPDIR")
    if not chosen and MEMORY_TEMPROOT.is_dir() and os.access(MEMORY_TEMPROOT, os.W_OK):
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(MEMORY_TEMPROOT)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every coroutine test runs on asyncio through anyio's plugin.
    for item in items:
        if isinstance(item, pytest.Function) and _is_coroutine(item.obj):
            item.add_marker(pytest.mark.anyio)


def _is_coroutine(obj: Any) -> bool:
    import inspect

    return inspect.iscoroutinefunction(obj)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = tmp_path_factory.mktemp("tracker-data")
    env = {
        "TRACKER_DATA_DIR": str(data_dir),
        "TRACKER_SECRET_KEY": "test-secret-key-" + "x" * 32,
        "TRACKER_TODAY": "2018-04-20",
        "TRACKER_DEMO": "false",
        # The app client runs the app's lifespan on its own event loop: a pool made there could
        # not serve the test's own queries, so tests open a connection per query.
        "TRACKER_DATABASE_POOL_SIZE": "0",
    }
    if os.environ.get("TRACKER_DATABASE_URL"):
        env["TRACKER_DATABASE_URL"] = worker_database(os.environ["TRACKER_DATABASE_URL"])
    return Settings.from_env(env)


def worker_database(url: str) -> str:
    """The PostgreSQL database for this test process: the given one, or under pytest-xdist one per
    worker beside it (tracker_gw0, tracker_gw1, ...), created on first use. SQLite needs nothing:
    each worker has its own temporary data directory, so its own file."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not url.startswith(("postgres://", "postgresql://")):
        return url
    import asyncio
    from urllib.parse import urlsplit, urlunsplit

    import asyncpg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'tracker'}_{worker}"

    async def create() -> None:
        conn = await asyncpg.connect(url)
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="session")
async def database(anyio_backend: str, settings: Settings) -> AsyncIterator[Settings]:
    engine = db.configure(settings)
    if settings.uses_postgres:
        # A clean schema every session: earlier runs may have left tables behind.
        await engine.run_ddl("DROP SCHEMA public CASCADE")
        await engine.run_ddl("CREATE SCHEMA public")
    await db.migrate()
    yield settings


async def empty_all_tables() -> None:
    review_service.forget_national_cuts()  # kept by this process for the data just emptied
    engine = db.engine()
    names = [t._meta.tablename for t in reversed(TABLES)]
    if db.is_sqlite():
        # One connection and one transaction for every table, rather than a connection (and its
        # thread) per DELETE: this runs after every test that touches the database.
        import sqlite3

        assert isinstance(engine, SQLiteEngine)
        with contextlib.closing(sqlite3.connect(engine.path, timeout=30, isolation_level=None)) as conn:
            conn.execute("BEGIN IMMEDIATE")
            for name in names:
                conn.execute(f'DELETE FROM "{name}"')
            conn.execute("COMMIT")
    else:
        # One statement: DELETE of the few rows a test leaves, then every used sequence back to 1,
        # as TRUNCATE ... RESTART IDENTITY would, but without TRUNCATE's new files for every table.
        tables = ", ".join(f"'{n}'" for n in names)
        await engine.run_ddl(
            f"""DO $$
            DECLARE t text; s record;
            BEGIN
              FOREACH t IN ARRAY ARRAY[{tables}] LOOP
                EXECUTE format('DELETE FROM %I', t);
              END LOOP;
              FOR s IN SELECT schemaname, sequencename FROM pg_sequences WHERE last_value IS NOT NULL LOOP
                PERFORM setval(format('%I.%I', s.schemaname, s.sequencename), 1, false);
              END LOOP;
            END $$"""
        )


@pytest.fixture
async def clean_db(database: Settings) -> AsyncIterator[Settings]:
    """A migrated database, emptied after the test."""
    try:
        yield database
    finally:
        await empty_all_tables()


@pytest.fixture(scope="session")
def app(database: Settings) -> Litestar:
    """One app for every test of this process on the session's settings: building it registers
    about 450 routes and parses their signatures (0.2 s), and each new app compiles the templates
    again. Each test still runs the app's whole lifespan, on a clock set to these settings, with the
    app's state as it was built."""
    return create_app(database, configure_database=False)


@pytest.fixture
async def client(clean_db: Settings, app: Litestar) -> AsyncIterator[AsyncTestClient[Any]]:
    clock.use(clean_db)  # a test that built an app of its own made its settings the clock
    state = app.state.dict()
    try:
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as c:
            yield c
    finally:
        for key in [k for k in app.state.dict() if k not in state]:
            del app.state[key]
        app.state.update(state)


CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def csrf_token(client: AsyncTestClient[Any], path: str = "/sign-in") -> str:
    response = await client.get(path)
    match = CSRF.search(response.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


async def post_form(
    client: AsyncTestClient[Any], path: str, data: dict[str, Any], token_from: str | None = None, **kwargs: Any
) -> Any:
    """POST a form the way a browser does: with the CSRF token from the page it came from."""
    token = await csrf_token(client, token_from or path)
    return await client.post(path, data={"_csrf_token": token, **data}, **kwargs)


async def sign_in(client: AsyncTestClient[Any], email: str, password: str | None = None) -> None:
    from tests.factories import PASSWORD

    response = await post_form(
        client, "/sign-in", {"email": email, "password": password or PASSWORD, "next": "/"}, follow_redirects=False
    )
    assert response.status_code == 303, f"sign-in failed for {email}: {response.status_code}"
