"""Maturity at national scale: the dashboards' server time through the app (p50/p95), each beside
the raw SQL that fetches the same precomputed figures; and the time to recompute every score."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.benchmarks.report import figure, line, percentiles
from tracker import db
from tracker.app import create_app
from tracker.demo.service import DEMO_PASSWORD
from tracker.maturity import service
from tracker.settings import Settings

REPEATS = 25
PERIOD = "2017/18-Q3"


async def _raw_seconds(queries: list[tuple[str, tuple[Any, ...]]], repeats: int = REPEATS) -> list[float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        for sql, args in queries:
            await db.fetch(sql, *args)
        samples.append(time.perf_counter() - started)
    return samples


async def _served(client: httpx.AsyncClient, path: str, repeats: int = REPEATS) -> list[float]:
    await client.get(path)  # warm: templates compiled, caches filled
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = await client.get(path)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, f"{path}: {response.status_code}"
    return samples


def _report(what: str, served: list[float], raw_what: str, raw: list[float]) -> None:
    s, r = percentiles(served), percentiles(raw)
    line(f"{what} p50", s["p50"], f"{raw_what} p50", r["p50"], unit="ms")
    line(f"{what} p95", s["p95"], f"{raw_what} p95", r["p95"], unit="ms")


async def bench_refresh_all(settings: Settings) -> None:
    """`tracker refresh` after a demo load, beside reading the same approved values raw."""
    periods = await service.scored_periods()
    started = time.perf_counter()
    for p in periods:
        await service._approved_values(p.id)
    raw = time.perf_counter() - started
    started = time.perf_counter()
    summary = await service.refresh_all()
    seconds = time.perf_counter() - started
    print(
        f"   {summary.practices:,} practices x {summary.periods} periods, {summary.values_read:,} approved values "
        f"-> {summary.score_rows:,} scores, {summary.stat_rows:,} indicator statistics"
    )
    line("recompute all scores (tracker refresh)", seconds, "read the approved values, driver tuples", raw)


async def bench_dashboards(settings: Settings) -> None:
    period = (await db.fetch("SELECT id FROM period WHERE code = {}", PERIOD))[0]["id"]
    ccg = (await db.fetch("SELECT id FROM ccg WHERE code = '00K'"))[0]["id"]
    practice = (await db.fetch("SELECT id FROM practice WHERE ods_code = 'A81001'"))[0]["id"]
    app = create_app(settings, configure_database=False)
    # The app on this event loop (the runner has started the database): a test client would run it
    # on a loop of its own, where PostgreSQL's pooled connections cannot follow.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
        page = await client.get("/sign-in")
        token = page.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
        signed = await client.post(
            "/sign-in",
            data={
                "_csrf_token": token,
                "email": "national@demo.paperless-tracker.test",
                "password": DEMO_PASSWORD,
                "next": "/",
            },
            follow_redirects=False,
        )
        assert signed.status_code == 303, "the demo national account could not sign in"

        national = await _served(client, f"/dashboards/england?period={PERIOD}")
        raw_national = await _raw_seconds(
            [
                ("SELECT * FROM org_score WHERE period = {}", (period,)),
                ("SELECT o.*, p.code FROM org_score o JOIN period p ON p.id = o.period WHERE o.scope = 'england'", ()),
                ("SELECT id, code, name, region FROM ccg", ()),
            ]
        )
        _report("England dashboard (207 CCGs, 7 regions)", national, "raw SQL, same figures", raw_national)

        ccg_page = await _served(client, f"/dashboards/ccgs/00K?period={PERIOD}")
        raw_ccg = await _raw_seconds(
            [
                (
                    "SELECT s.*, p.ods_code, p.name FROM practice_score s JOIN practice p ON p.id = s.practice "
                    "WHERE s.ccg_id = {}",
                    (ccg,),
                ),
                ("SELECT * FROM org_score WHERE scope = 'ccg' AND org_id = {}", (ccg,)),
                ("SELECT * FROM org_score WHERE scope = 'england'", ()),
            ]
        )
        _report("CCG dashboard (00K)", ccg_page, "raw SQL, same figures", raw_ccg)

        practice_page = await _served(client, f"/dashboards/practices/A81001?period={PERIOD}")
        raw_practice = await _raw_seconds(
            [
                (
                    "SELECT r.period, v.indicator, v.value FROM return_value v JOIN practice_return r "
                    "ON r.id = v.practice_return WHERE r.state = 'approved' AND r.practice = {}",
                    (practice,),
                ),
                ("SELECT * FROM practice_score WHERE practice = {}", (practice,)),
                ("SELECT * FROM org_score WHERE period = {} AND scope IN ('england', 'ccg')", (period,)),
            ]
        )
        _report("practice dashboard (A81001)", practice_page, "raw SQL, same figures", raw_practice)

        indicator = await _served(client, f"/dashboards/indicators/EPS_UTIL_PCT?period={PERIOD}", repeats=10)
        figure("indicator page (EPS_UTIL_PCT) p50", percentiles(indicator)["p50"] * 1000, "ms")

    # Why precompute: the England figures straight from the 1.6M return values, per request.
    started = time.perf_counter()
    await db.fetch(
        "SELECT p.ccg, AVG(v.value) AS mean, COUNT(*) AS n FROM return_value v "
        "JOIN practice_return r ON r.id = v.practice_return JOIN practice p ON p.id = r.practice "
        "WHERE r.state = 'approved' AND r.period = {} GROUP BY p.ccg",
        period,
    )
    figure(
        "for scale: one period's CCG means from raw values",
        (time.perf_counter() - started) * 1000,
        "ms",
        "(what each request would cost without the precompute, before any scoring)",
    )
