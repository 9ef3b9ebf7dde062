"""Single-user pages at national scale, each beside its true limit: the page's own SQL, recorded as
the tracker runs it and replayed on one open connection, plus the same server's trivial endpoint
(`/health`). The goal (issue "fast on deadline day") is within 3x of that sum at p50."""

from __future__ import annotations

import time
from typing import Any, cast

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
    transport = httpx.ASGITransport(app=cast(Any, app))
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


SECTION = "/practices/A81001/returns/2017-18-Q4/sections/online-services"


def _section_form(html: str) -> dict[str, str]:
    """What the section page's form sends as it stands: each field's value, radios as checked."""
    import re

    data: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value and ('type="radio"' not in tag or "checked" in tag):
            data[name.group(1)] = value.group(1)
    return data


async def bench_pages_then_a_draft_save_beside_its_own_sql(settings: Settings) -> None:
    """After the pages (whose return form would otherwise show these saves' history): a
    practice saves one section of its draft (the form's POST, answered with a redirect to
    the task list), one value changed each time, beside its own SQL (reads, and the write
    transaction's statements, each replay from the version the recorded save read, committed) plus
    `/health`."""
    app = create_app(settings, configure_database=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=cast(Any, app)), base_url="http://testserver.local"
    ) as client:
        await _signed_in(client, "practice")
        form = _section_form((await client.get(SECTION)).text)
        # The count of patients registered for online services, or (as a draft may hold after
        # the load benchmark) the percentage typed directly.
        changed = "PO_REG_PCT-numerator" if form["PO_REG_PCT-numerator"].isdigit() else "PO_REG_PCT"
        original = form[changed]
        version = int(form["version"])

        async def save(value: str) -> float:
            nonlocal version
            started = time.perf_counter()
            response = await client.post(
                SECTION,
                data={**form, "version": str(version), changed: value},
                follow_redirects=False,
            )
            elapsed = time.perf_counter() - started
            assert response.status_code == 303, f"draft save: {response.status_code}"
            version += 1
            return elapsed

        other = str(int(original) + 1)
        await save(other)  # warm
        recorded_version = version
        with recording() as queries:
            await save(original)
        samples = [await save(other if n % 2 == 0 else original) for n in range(REPEATS - 1)]
        samples.append(await save(original))  # the draft as it was, but for its version
        served = percentiles(samples)
        # Each replay finds the version the recorded save read, so it writes and commits as that
        # save did (its values are the draft's own; each adds its audit events, as a save does).
        rewind = [
            (
                "UPDATE practice_return SET version = {} WHERE practice = (SELECT id FROM practice WHERE ods_code = {})"
                " AND period = (SELECT id FROM period WHERE code = {})",
                [recorded_version, "A81001", "2017/18-Q4"],
            )
        ]
        sql = percentiles(await replay(settings, queries, REPEATS, rewind=rewind))
        health = percentiles(await _served(client, "/health"))
    print(
        f"   draft save (one section): {len(queries)} statements, {sql['p50'] * 1000:.2f} ms on one open connection;"
        f" /health {health['p50'] * 1000:.2f} ms; save p95 {served['p95'] * 1000:.1f} ms"
    )
    line(
        "draft save (POST, one section) p50",
        served["p50"],
        "own SQL + /health",
        sql["p50"] + health["p50"],
        unit="ms",
        goal=GOAL,
    )
