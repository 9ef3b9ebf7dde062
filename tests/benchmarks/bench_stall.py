"""Pages while a cold national workbook builds: other people's pages must not wait for it.

The real server (one worker, as on SQLite) serves a national user's dashboards in a loop, first
alone, then while another national user downloads the national workbook cold (the data changed
just before, so nothing is kept). The goal (issue "fast on deadline day"): the pages' p95 during
the builds within 2x of their p95 alone. Only loopback traffic; every loop is bounded in time.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.benchmarks.bench_pages import _signed_in
from tests.benchmarks.report import figure, line, percentiles
from tests.fixtures_server import start_server, stop_server
from tracker import db
from tracker.settings import Settings
from tracker.tables import Practice

PAGES = (
    "/dashboards/england?period=2017/18-Q3",
    "/dashboards/ccgs/00K?period=2017/18-Q3",
    "/dashboards/practices/A81001?period=2017/18-Q3",
)
ALONE_SECONDS = 8.0
BUILDS = 3
GOAL = 2.0


async def _pages(client: httpx.AsyncClient, until: asyncio.Event | float, samples: list[float]) -> None:
    """The pages in turn until the deadline passes or the event is set."""
    i = 0
    while not (until.is_set() if isinstance(until, asyncio.Event) else time.monotonic() >= until):
        started = time.perf_counter()
        response = await client.get(PAGES[i % len(PAGES)])
        samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{PAGES[i % len(PAGES)]}: HTTP {response.status_code}")
        i += 1


FIRST_PRACTICE = "(SELECT MIN(id) FROM practice)"


async def _changed(n: int) -> None:
    """A change to the data that the workbook shows (one practice's name gets a mark of its own),
    so the next workbook is gathered and written afresh: neither the kept download nor the file
    of an identical book can serve it."""
    await Practice.raw(f"UPDATE practice SET name = name || {{}} WHERE id = {FIRST_PRACTICE}", f" ({n})")


async def _restored(name: str) -> None:
    await Practice.raw(f"UPDATE practice SET name = {{}} WHERE id = {FIRST_PRACTICE}", name)


async def _download(client: httpx.AsyncClient, done: asyncio.Event, builds: list[float]) -> None:
    started = time.perf_counter()
    try:
        response = await client.get("/exports/national.xlsx")
        if response.status_code != 200:
            raise RuntimeError(f"national workbook: HTTP {response.status_code}")
    finally:
        builds.append(time.perf_counter() - started)
        done.set()


async def bench_pages_while_a_cold_workbook_builds(settings: Settings) -> None:
    # TRACKER_DEMO: the demo accounts sign in (as in `make run`).
    process, base = start_server(settings, TRACKER_WORKERS="1", TRACKER_LOG_LEVEL="WARNING", TRACKER_DEMO="true")
    reader = httpx.AsyncClient(base_url=base, timeout=120)
    downloader = httpx.AsyncClient(base_url=base, timeout=300)
    try:
        await _signed_in(reader, "national")
        await _signed_in(downloader, "national")
        for path in PAGES:  # warm: templates compiled, reference data kept
            await reader.get(path)
        alone: list[float] = []
        await _pages(reader, time.monotonic() + ALONE_SECONDS, alone)
        during: list[float] = []
        builds: list[float] = []
        name = (await db.fetch(f"SELECT name FROM practice WHERE id = {FIRST_PRACTICE}"))[0]["name"]
        for n in range(BUILDS):
            await _changed(n)
            done = asyncio.Event()
            await asyncio.gather(_download(downloader, done, builds), _pages(reader, done, during))
        await _restored(name)
    finally:
        await reader.aclose()
        await downloader.aclose()
        stop_server(process)
    a, d = percentiles(alone), percentiles(during)
    print(
        f"   {len(alone)} page views alone, {len(during)} during {BUILDS} cold national workbooks"
        f" ({', '.join(f'{b:.1f} s' for b in builds)})"
    )
    figure("pages alone, p50", a["p50"] * 1000, "ms")
    figure("pages during a cold workbook, p50", d["p50"] * 1000, "ms")
    line("pages during a cold workbook, p95", d["p95"], "the same pages alone, p95", a["p95"], unit="ms", goal=GOAL)
