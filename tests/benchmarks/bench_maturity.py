"""Maturity at national scale: the time to recompute every score, beside reading the approved
values raw. (The dashboards' own times are in bench_pages.)"""

from __future__ import annotations

import time

from tests.benchmarks.report import line
from tracker.maturity import service
from tracker.returns import facts_service as return_facts
from tracker.settings import Settings


async def bench_refresh_all(settings: Settings) -> None:
    """`tracker refresh` after a demo load, beside reading the same approved values raw."""
    periods = await service.scored_periods()
    started = time.perf_counter()
    for p in periods:
        await return_facts.approved_values(p.id)
    raw = time.perf_counter() - started
    started = time.perf_counter()
    summary = await service.refresh_all()
    seconds = time.perf_counter() - started
    print(
        f"   {summary.practices:,} practices x {summary.periods} periods, {summary.values_read:,} approved values "
        f"-> {summary.score_rows:,} scores, {summary.stat_rows:,} indicator statistics"
    )
    line("recompute all scores (tracker refresh)", seconds, "read the approved values, driver tuples", raw)
