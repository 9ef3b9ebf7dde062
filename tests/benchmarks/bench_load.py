"""Load: 50 people using the tracker at once for 60 seconds, against the real server.

Mixed traffic as the tracker sees it in a return window: practice staff opening and saving their
return (and some submitting it), CCG leads and national users reading dashboards, and a few
Excel downloads. On SQLite with one worker; on PostgreSQL (TRACKER_DATABASE_URL) with two
(TRACKER_LOAD_WORKERS and TRACKER_LOAD_USERS to choose: the goal is 200 people on 4 workers).
Figures: throughput, p50/p95/p99 latency and errors (which must be zero: no "database is
locked"), beside the same server's trivial /health endpoint under the same concurrency as the
limit. Only loopback traffic; every loop is bounded in time.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.benchmarks.report import check, figure, percentiles
from tests.factories import PASSWORD_HASH
from tests.fixtures_server import start_server, stop_server
from tracker import db
from tracker.accounts.principal import Role
from tracker.settings import Settings
from tracker.tables import Account, AccountPractice

USERS = int(os.environ.get("TRACKER_LOAD_USERS", "50"))
SECONDS = float(os.environ.get("TRACKER_LOAD_SECONDS", "60"))
PERIOD_URL = "2017-18-Q4"
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)


async def _people() -> list[tuple[str, str, str]]:
    """(email, role, organisation code) for the load's users, made directly in the database."""
    import datetime as dt

    # Practices whose return for the open period is still theirs to fill in (not started or draft).
    rows = await db.fetch(
        "SELECT p.id, p.ods_code, c.code AS ccg FROM practice p JOIN ccg c ON c.id = p.ccg "
        "WHERE p.status = 'A' AND NOT EXISTS (SELECT 1 FROM practice_return r JOIN period pe ON pe.id = r.period "
        "WHERE r.practice = p.id AND pe.code = '2017/18-Q4' AND r.state <> 'draft') "
        "ORDER BY p.ods_code LIMIT {}",
        USERS,
    )
    people: list[tuple[str, str, str]] = []
    now = dt.datetime.now(dt.UTC)
    practice_users = int(USERS * 0.6)
    for r in rows[:practice_users]:
        # Named by practice (and CCG leads by CCG, below): a later run, after this one's returns were
        # sent, picks other practices.
        email = f"load-practice-{r['ods_code'].lower()}@load.test"
        if not await Account.exists().where(Account.email == email):
            acc = await Account.insert(
                Account(email=email, role="practice", password_hash=PASSWORD_HASH, created_at=now)
            ).returning(Account.id)
            await AccountPractice.insert(AccountPractice(account=acc[0]["id"], practice=r["id"]))
        people.append((email, Role.PRACTICE.value, r["ods_code"]))
    ccgs = sorted({r["ccg"] for r in rows})
    for i in range(USERS - practice_users):
        if i % 3 == 2:
            email, role, code = f"load-national-{i}@load.test", "national", ""
            ccg_id = None
        else:
            code = ccgs[i % len(ccgs)]
            email, role = f"load-ccg-{i}-{code.lower()}@load.test", "ccg"
            ccg_id = (await db.fetch("SELECT id FROM ccg WHERE code = {}", code))[0]["id"]
        if not await Account.exists().where(Account.email == email):
            await Account.insert(
                Account(email=email, role=role, ccg=ccg_id, password_hash=PASSWORD_HASH, created_at=now)
            )
        people.append((email, role, code))
    return people


async def _sign_in(client: httpx.AsyncClient, email: str) -> None:
    from tests.factories import PASSWORD

    page = await client.get("/sign-in")
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    response = await client.post(
        "/sign-in", data={"_csrf_token": token, "email": email, "password": PASSWORD, "next": "/"}
    )
    if response.status_code != 303:
        raise RuntimeError(f"sign-in failed for {email}: {response.status_code}")


async def _timed(stats: Stats, kind: str, call: Any, ok: tuple[int, ...] = (200,)) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await call
    except httpx.HTTPError as exc:
        stats.errors[f"{kind}: {type(exc).__name__}"] += 1
        return None
    stats.add(kind, time.perf_counter() - started)
    if response.status_code not in ok:
        stats.errors[f"{kind}: HTTP {response.status_code}"] += 1
        if b"database is locked" in response.content:
            stats.errors["database is locked"] += 1
    return response


def _form_fields(html: str) -> dict[str, str]:
    """A plausible set of answers for the questions on the page: the first choice of each radio
    group, a number between 40 and 95 in each box."""
    data: dict[str, str] = {}
    for match in re.finditer(r"<input([^>]+)>", html):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', match.group(1)))
        name = attrs.get("name", "")
        if not re.fullmatch(r"[A-Z][A-Z0-9_]+", name):
            continue
        if attrs.get("type") == "radio":
            data.setdefault(name, attrs.get("value", "yes"))
        else:
            data[name] = str(random.randint(40, 95))
    return data


def _form_of(page: httpx.Response) -> dict[str, str] | None:
    """The CSRF token and version of the page's form, or None when the page has nothing to save
    (the return was submitted earlier in the run)."""
    token = CSRF.search(page.text)
    version = VERSION.search(page.text)
    if not token or not version:
        return None
    return {"_csrf_token": token.group(1), "version": version.group(1)}


async def _practice_user(client: httpx.AsyncClient, code: str, stats: Stats, deadline: float) -> None:
    """As practice staff fill in a return: the task list, one section, its answers saved to the
    draft and back to the task list; now and then check your answers and submit."""
    url = f"/practices/{code}/returns/{PERIOD_URL}"
    sections = re.compile(rf'href="({re.escape(url)}/sections/[a-z0-9-]+)"')
    while time.monotonic() < deadline:
        tasks = await _timed(stats, "return task list", client.get(url))
        if tasks is None or tasks.status_code != 200:
            await asyncio.sleep(0.5)
            continue
        links = sections.findall(tasks.text)
        if not links:
            # Submitted earlier in the run: the return is now the practice's to read, not change.
            await _timed(stats, "practice dashboard", client.get(f"/dashboards/practices/{code}"))
            continue
        section_url = random.choice(links)
        page = await _timed(stats, "open return section", client.get(section_url))
        form = _form_of(page) if page is not None and page.status_code == 200 else None
        if page is None or form is None:
            continue
        await _timed(
            stats,
            "save draft (a section)",
            client.post(section_url, data={**form, **_form_fields(page.text)}),
            ok=(303, 422),
        )
        if random.random() < 0.1:
            check = await _timed(stats, "check your answers", client.get(f"{url}/check"))
            form = _form_of(check) if check is not None and check.status_code == 200 else None
            if form is not None:
                await _timed(stats, "submit return", client.post(f"{url}/check", data=form), ok=(303, 422))
        elif random.random() < 0.3:
            await _timed(stats, "practice dashboard", client.get(f"/dashboards/practices/{code}"))


async def _reader(client: httpx.AsyncClient, role: str, code: str, stats: Stats, deadline: float) -> None:
    while time.monotonic() < deadline:
        roll = random.random()
        if role == "ccg":
            if roll < 0.45:
                await _timed(stats, "CCG dashboard", client.get(f"/dashboards/ccgs/{code}"))
            elif roll < 0.8:
                await _timed(stats, "review queue", client.get("/review"))
            elif roll < 0.95:
                await _timed(stats, "review grid", client.get("/review/grid"))
            else:
                await _timed(stats, "CCG workbook download", client.get(f"/exports/ccgs/{code}.xlsx"))
        else:
            if roll < 0.6:
                await _timed(stats, "national dashboard", client.get("/dashboards/england"))
            elif roll < 0.9:
                await _timed(stats, "indicator dashboard", client.get("/dashboards/indicators/ERS_UTIL_PCT"))
            else:
                await _timed(stats, "organisations", client.get("/organisations"))


async def _run(base: str, people: list[tuple[str, str, str]]) -> tuple[Stats, float]:
    stats = Stats()
    limits = httpx.Limits(max_connections=USERS * 2, max_keepalive_connections=USERS * 2)
    # Each person from an address of their own, forwarded by a trusted proxy as nginx would: from
    # one address, more sign-ins in flight at once than its limit are asked to try again.
    clients = [
        httpx.AsyncClient(
            base_url=base, timeout=60, limits=limits, headers={"X-Forwarded-For": f"10.0.{n // 250}.{n % 250 + 1}"}
        )
        for n in range(len(people))
    ]
    try:
        await asyncio.gather(*(_sign_in(c, email) for c, (email, _, _) in zip(clients, people, strict=True)))
        started = time.monotonic()
        deadline = started + SECONDS
        tasks = []
        for c, (_, role, code) in zip(clients, people, strict=True):
            if role == "practice":
                tasks.append(_practice_user(c, code, stats, deadline))
            else:
                tasks.append(_reader(c, role, code, stats, deadline))
        await asyncio.gather(*tasks)
        return stats, time.monotonic() - started
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


async def _health_limit(base: str, seconds: float) -> tuple[list[float], float]:
    """/health from as many clients as there are people, each with its own connection as in the
    mixed run: one client sharing a pool of hundreds of connections measures httpx's pool (it
    looks through the pool on every request: encode/httpx#3215), not the server."""
    samples: list[float] = []
    clients = [httpx.AsyncClient(base_url=base, timeout=30) for _ in range(USERS)]
    try:
        deadline = time.monotonic() + seconds

        async def loop(client: httpx.AsyncClient) -> None:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                await client.get("/health")
                samples.append(time.perf_counter() - started)

        started = time.monotonic()
        await asyncio.gather(*(loop(c) for c in clients))
        return samples, time.monotonic() - started
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


async def bench_mixed_load(settings: Settings) -> None:
    people = await _people()
    workers = os.environ.get("TRACKER_LOAD_WORKERS", "2" if settings.uses_postgres else "1")
    process, base = start_server(
        settings, TRACKER_WORKERS=workers, TRACKER_LOG_LEVEL="WARNING", TRACKER_TRUSTED_PROXIES="127.0.0.1"
    )
    try:
        health, health_elapsed = await _health_limit(base, min(10.0, SECONDS))
        stats, elapsed = await _run(base, people)
    finally:
        stop_server(process)
    every = [s for samples in stats.latencies.values() for s in samples]
    p = percentiles(every)
    h = percentiles(health)
    engine = f"{'PostgreSQL' if settings.uses_postgres else 'SQLite'}, {workers} worker{'s' if workers != '1' else ''}"
    print(f"   {len(people)} concurrent users for {elapsed:.0f} s on {engine}")
    figure(
        "requests per second (mixed)",
        len(every) / elapsed,
        "req/s",
        f"limit (/health): {len(health) / health_elapsed:,.0f} req/s",
    )
    figure("p50 latency (mixed)", p["p50"] * 1000, "ms", f"limit (/health): {h['p50'] * 1000:.1f} ms")
    check(
        f"p95 latency, {len(people)} people mixed ({engine})",
        p["p95"] * 1000,
        "ms",
        "under 1,000 ms",
        p["p95"] < 1.0,
        limit=f"/health p95 {h['p95'] * 1000:.1f} ms",
    )
    figure("p99 latency (mixed)", p["p99"] * 1000, "ms", f"limit (/health): {h['p99'] * 1000:.1f} ms")
    for kind, samples in sorted(stats.latencies.items()):
        q = percentiles(samples)
        print(f"     {kind:<28} n={len(samples):6,}  p50 {q['p50'] * 1000:7.1f} ms  p95 {q['p95'] * 1000:7.1f} ms")
    total_errors = sum(stats.errors.values())
    check(f"errors, {len(people)} people mixed ({engine})", total_errors, "", "0", total_errors == 0)
    for what, n in stats.errors.most_common():
        print(f"     {what}: {n}")
