"""Single-user pages at national scale, each beside its true limit: the page's own SQL, recorded as
the tracker runs it and replayed on one open connection, plus the same server's trivial endpoint
(`/health`). The goal (issue "fast on deadline day") is within 3x of that sum at p50."""

from __future__ import annotations

import time

import httpx

from tests.benchmarks.replay import recording, replay
from tests.benchmarks.report import line, percentiles
from tracker.app import create_app
from tracker.demo.service import DEMO_PASSWORD
from tracker.settings import Settings

REPEATS = 25
PERIOD = "2017/18-Q3"
GOAL = 3.0

PAGES: tuple[tuple[str, str, str], ...] = (
    # (who signs in, what, path)
    ("national", "England dashboard", f"/dashboards/england?period={PERIOD}"),
    # A region of the period (the four regions of 2013-2018): Y63 had no CCGs yet in 2017/18.
    ("national", "region dashboard (Y54)", f"/dashboards/regions/Y54?period={PERIOD}"),
    ("national", "CCG dashboard (00K)", f"/dashboards/ccgs/00K?period={PERIOD}"),
    ("national", "practice dashboard (A81001)", f"/dashboards/practices/A81001?period={PERIOD}"),
    ("practice", "return form (A81001, 2017/18 Q4)", "/practices/A81001/returns/2017-18-Q4"),
    ("ccg", "CCG review queue (00K)", "/review"),
)


async def _signed_in(client: httpx.AsyncClient, who: str) -> None:
    page = await client.get("/sign-in")
    token = page.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
    signed = await client.post(
        "/sign-in",
        data={
            "_csrf_token": token,
            "email": f"{who}@demo.paperless-tracker.test",
            "password": DEMO_PASSWORD,
            "next": "/",
        },
        follow_redirects=False,
    )
    assert signed.status_code == 303, f"the demo {who} account could not sign in"


async def _served(client: httpx.AsyncClient, path: str, repeats: int = REPEATS) -> list[float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = await client.get(path)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, f"{path}: {response.status_code}"
    return samples


async def bench_pages_beside_their_own_sql(settings: Settings) -> None:
    app = create_app(settings, configure_database=False)
    # The app on this event loop (the runner has started the database): a test client would run it
    # on a loop of its own, where PostgreSQL's pooled connections cannot follow.
    transport = httpx.ASGITransport(app=app)
    clients: dict[str, httpx.AsyncClient] = {}
    try:
        for who, what, path in PAGES:
            if who not in clients:
                clients[who] = httpx.AsyncClient(transport=transport, base_url="http://testserver.local")
                await _signed_in(clients[who], who)
            client = clients[who]
            await client.get(path)  # warm: templates compiled, caches filled
            with recording() as queries:
                await client.get(path)
            served = percentiles(await _served(client, path))
            sql = percentiles(await replay(settings, queries, REPEATS))
            health = percentiles(await _served(client, "/health"))
            limit = sql["p50"] + health["p50"]
            print(
                f"   {what}: {len(queries)} queries, {sql['p50'] * 1000:.2f} ms on one open connection;"
                f" /health {health['p50'] * 1000:.2f} ms; page p95 {served['p95'] * 1000:.1f} ms"
            )
            line(f"{what} p50", served["p50"], "own SQL + /health", limit, unit="ms", goal=GOAL)
    finally:
        for client in clients.values():
            await client.aclose()
