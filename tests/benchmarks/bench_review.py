"""A CCG lead approving a whole CCG's returns at once, at national scale: one transaction with
every decision, its audit events, one score refresh and the practices' emails.

The goal (issue "fast on deadline day"): 95 returns approved in under 2 seconds."""

from __future__ import annotations

import cProfile
import datetime as dt
import os
import pstats
import time
from typing import Any

from tests.benchmarks.report import check, figure
from tracker import db
from tracker.accounts.principal import Principal, Role
from tracker.returns import review_service
from tracker.returns.service import Actor
from tracker.settings import Settings

PERIOD = "2017/18-Q4"
RETURNS = 95


async def _ready_ccg() -> tuple[int, str, list[int]]:
    """The CCG with the most practices, with RETURNS of its returns for the period submitted
    (drafts and missing returns made submitted directly: this is the set-up, not the operation)."""
    period = (await db.fetch("SELECT id FROM period WHERE code = {}", PERIOD))[0]["id"]
    ccg = (
        await db.fetch(
            "SELECT c.id, c.code, COUNT(*) AS n FROM practice p JOIN ccg c ON c.id = p.ccg "
            "WHERE p.status = 'A' GROUP BY c.id, c.code ORDER BY n DESC LIMIT 1"
        )
    )[0]
    practices = [
        r["id"]
        for r in await db.fetch("SELECT id FROM practice WHERE ccg = {} AND status = 'A' ORDER BY ods_code", ccg["id"])
    ][:RETURNS]
    now = dt.datetime(2018, 4, 19, 10, tzinfo=dt.UTC)
    for practice in practices:
        found = await db.fetch(
            "SELECT id, state FROM practice_return WHERE practice = {} AND period = {}", practice, period
        )
        if not found:
            await db.engine().run_ddl(
                "INSERT INTO practice_return (practice, period, state, version, created_at, updated_at, "
                f"submitted_at, first_submitted_at, returned_reason) VALUES ({practice}, {period}, 'submitted', 1, "
                f"'{now.isoformat()}', '{now.isoformat()}', '{now.isoformat()}', '{now.isoformat()}', '')"
            )
        elif found[0]["state"] != "submitted":
            await db.engine().run_ddl(
                f"UPDATE practice_return SET state = 'submitted', submitted_at = '{now.isoformat()}', "
                f"first_submitted_at = COALESCE(first_submitted_at, '{now.isoformat()}') WHERE id = {found[0]['id']}"
            )
    marks = ", ".join(str(p) for p in practices)
    ids = [
        r["id"]
        for r in await db.fetch(
            f"SELECT id FROM practice_return WHERE period = {{}} AND practice IN ({marks})",
            period,
        )
    ]
    return ccg["id"], ccg["code"], ids


def _time_queries(timings: dict[str, list[float]]) -> None:
    """Time every query the engine runs (BENCH_PROFILE): the SQL's waits do not show in cProfile."""
    engine = db.engine()
    for name in ("_run_in_existing_connection", "_run_in_new_connection"):
        original = getattr(engine, name)

        def timed(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            async def run() -> Any:
                query = kwargs.get("query") or next((a for a in args if isinstance(a, str)), "")
                started = time.perf_counter()
                try:
                    return await _original(*args, **kwargs)
                finally:
                    timings.setdefault(" ".join(str(query).split())[:110], []).append(time.perf_counter() - started)

            return run()

        setattr(engine, name, timed)


async def bench_bulk_approval(settings: Settings) -> None:
    ccg_id, ccg_code, ids = await _ready_ccg()
    lead = Principal(id=0, email="bench@ccg.test", name="Bench Lead", role=Role.CCG, ccg_id=ccg_id, ccg_code=ccg_code)
    profiler = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
    timings: dict[str, list[float]] = {}
    if profiler:
        profiler.enable()
        _time_queries(timings)
    started = time.perf_counter()
    decision = await review_service.decide(
        ids,
        approve=True,
        reason="",
        user=lead,
        actor=Actor(None, "bench"),
        now=dt.datetime(2018, 4, 20, 10, tzinfo=dt.UTC),
        today=dt.date(2018, 4, 20),
        base_url="http://127.0.0.1:8000",
    )
    seconds = time.perf_counter() - started
    if profiler:  # BENCH_PROFILE=1: where the time goes
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        for sql, samples in sorted(timings.items(), key=lambda kv: -sum(kv[1]))[:15]:
            print(f"   {sum(samples) * 1000:8.1f} ms  x{len(samples):<5} {sql}")
    assert not decision.refused, decision.refused[:3]
    figure(f"returns approved at once (CCG {ccg_code})", len(decision.done), "returns")
    check(
        f"bulk approval of {len(decision.done)} returns",
        seconds * 1000,
        "ms",
        "under 2,000 ms for 95",
        len(decision.done) >= RETURNS and seconds < 2.0,
        limit=f"{seconds / max(1, len(decision.done)) * 1000:.1f} ms per return",
    )
