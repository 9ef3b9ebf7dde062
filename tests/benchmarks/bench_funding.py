"""Funding at national scale: a fair-share run over every CCG, and the "what each pound bought"
view over every award, each beside the raw SQL aggregate it cannot beat.

Run with the others (`python -m tests.benchmarks -k funding`), or on its own on a copy of a
demo database that already has the funding demo and maturity scores:
`python -m tests.benchmarks.bench_funding /tmp/demo-funding`.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.benchmarks.report import figure, line
from tracker import db
from tracker.funding import impact_service, presenters, service
from tracker.funding.calculations import fair_share
from tracker.funding.impact import summarise
from tracker.funding.streams import ensure_standard_streams
from tracker.indicators import service as indicators_service
from tracker.settings import Settings

RAW_POPULATION = """
    SELECT ccg_code, SUM(patients) AS patients FROM list_size
    WHERE snapshot_date = (SELECT MAX(snapshot_date) FROM list_size) GROUP BY ccg_code
"""

RAW_IMPACT = """
    SELECT s.code, COUNT(*) AS awards, SUM(x.amount_pence) AS pence, AVG(x.latest - x.base) AS change
    FROM (
      SELECT a.stream, a.amount_pence,
        (SELECT ps.maturity FROM practice_score ps JOIN period pe ON pe.id = ps.period
         WHERE ps.practice = a.practice AND pe.end_date < a.award_date AND ps.maturity IS NOT NULL
         ORDER BY pe.end_date DESC LIMIT 1) AS base,
        (SELECT ps.maturity FROM practice_score ps JOIN period pe ON pe.id = ps.period
         WHERE ps.practice = a.practice AND pe.end_date >= a.award_date AND ps.maturity IS NOT NULL
         ORDER BY pe.end_date DESC LIMIT 1) AS latest
      FROM practice_award a
    ) x JOIN funding_stream s ON s.id = x.stream
    GROUP BY s.code
"""


def _raw(settings: Settings, sql: str) -> tuple[float, list[Any]]:
    """The same aggregate straight through the driver: no ORM, no Python work on the rows."""
    con = sqlite3.connect(settings.sqlite_path)
    try:
        started = time.perf_counter()
        rows = con.execute(sql).fetchall()
        return time.perf_counter() - started, rows
    finally:
        con.close()


async def _raw_async(settings: Settings, sql: str) -> tuple[float, list[Any]]:
    if not settings.uses_postgres:
        return _raw(settings, sql)
    started = time.perf_counter()
    rows = await db.fetch(sql)
    return time.perf_counter() - started, rows


async def bench_fair_share_run(settings: Settings) -> None:
    await ensure_standard_streams()
    raw_seconds, raw_rows = await _raw_async(settings, RAW_POPULATION)
    started = time.perf_counter()
    plan = await service.plan_allocation(pot_pence=140_000_000_00, stream_code="GPIT_REVENUE", financial_year="2018/19")
    planned = time.perf_counter() - started
    patients = {ln.ccg_code: ln.patients for ln in plan.lines}
    started = time.perf_counter()
    fair_share(140_000_000_00, patients)
    arithmetic = time.perf_counter() - started
    started = time.perf_counter()
    run_id = await service.save_plan(plan, service.Actor(label="bench"))
    await service.approve_run(run_id, service.Actor(label="bench"))
    saved = time.perf_counter() - started
    assert sum(ln.amount_pence for ln in plan.lines) == 140_000_000_00
    line(
        f"fair-share preview, {len(plan.lines)} CCGs (read + compute)",
        planned,
        "raw SQL population aggregate",
        raw_seconds,
    )
    figure("  of which largest-remainder arithmetic", arithmetic * 1000, "ms", f"({len(raw_rows)} CCG codes)")
    figure("record + approve the run", saved * 1000, "ms", "(one transaction, audited)")


async def bench_what_each_pound_bought(settings: Settings) -> None:
    raw_seconds, raw_rows = await _raw_async(settings, RAW_IMPACT)
    started = time.perf_counter()
    data = await impact_service.load()
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    by_stream = summarise(data.impacts, "stream", data.stream_names)
    by_ccg = summarise(data.impacts, "ccg", data.ccg_names)
    presenters.summary_rows(by_stream)
    presenters.summary_rows(by_ccg)
    top = sorted(data.impacts, key=lambda i: -i.award.amount_pence)[:50]
    names = {s.code: s.name for s in await indicators_service.active_indicators()}
    presenters.impact_rows(top, data.period_codes, data.practices, data.stream_names, names)
    presented = time.perf_counter() - started
    line(
        f"what each pound bought, national ({len(data.impacts):,} awards)",
        loaded + presented,
        "raw SQL change per award by stream",
        raw_seconds,
    )
    figure("  of which loading and analysis (impact_service.load)", loaded, "s", f"(maturity from {data.source})")
    figure("  of which grouping and presenting", presented * 1000, "ms")
    figure("  streams in the raw aggregate", len(raw_rows), "", "(it has no comparison group and no indicators)")


def _standalone(source: str) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-funding-"))
    try:
        shutil.copytree(source, work, dirs_exist_ok=True)
        settings = Settings.from_env({"TRACKER_DATA_DIR": str(work), "TRACKER_TODAY": "2018-04-20"})

        async def run() -> None:
            engine = db.configure(settings)
            await db.start(engine)
            try:
                for fn in (bench_fair_share_run, bench_what_each_pound_bought):
                    print(f"== bench_funding.{fn.__name__}", flush=True)
                    await fn(settings)
            finally:
                await db.stop(engine)

        asyncio.run(run())
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    _standalone(sys.argv[1] if len(sys.argv) > 1 else "/tmp/demo-funding")
