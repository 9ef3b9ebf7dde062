"""Returns at national scale: checking and previewing a 100-practice CCG's workbook (beside raw
openpyxl reading the same file), and 50 concurrent clients submitting through the API of a real
`tracker serve` process (beside the same server's /health), on SQLite or PostgreSQL (2 workers)."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import statistics
import time
from typing import Any

from openpyxl import load_workbook

from tests.benchmarks.report import figure, line, percentiles
from tracker import db
from tracker.accounts.principal import Principal, Role
from tracker.returns import api_service, upload_service, xlsx
from tracker.returns.service import Actor
from tracker.settings import Settings

CLIENTS = 50
SECONDS = 20.0
TODAY = dt.date(2018, 4, 20)


async def _ccg_near(size: int) -> dict[str, Any]:
    rows = await db.fetch(
        """SELECT c.id, c.code, COUNT(p.id) AS n FROM ccg c JOIN practice p ON p.ccg = c.id AND p.status = 'A'
           GROUP BY c.id, c.code ORDER BY ABS(COUNT(p.id) - {}) LIMIT 1""",
        size,
    )
    return rows[0]


def _raw_read(data: bytes) -> int:
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    cells = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            cells += len(row)
    wb.close()
    return cells


async def bench_upload_preview(settings: Settings) -> None:
    ccg = await _ccg_near(100)
    user = Principal(id=1, email="bench@ccg.test", name="Bench", role=Role.CCG, ccg_id=ccg["id"], ccg_code=ccg["code"])
    _, data = await upload_service.workbook(user, TODAY)
    wb = load_workbook(io.BytesIO(data))
    ws = wb[xlsx.DATA_SHEET]
    for row in range(2, ws.max_row + 1):  # a change in every practice's row
        ws.cell(row=row, column=3, value=40 + row % 50)
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    print(f"   CCG {ccg['code']}: {ccg['n']} practices, workbook {len(data) / 1000:.0f} kB")
    raw, parse, full = [], [], []
    for _ in range(5):
        started = time.perf_counter()
        _raw_read(data)
        raw.append(time.perf_counter() - started)
        started = time.perf_counter()
        xlsx.read_workbook(data, "w.xlsx", max_bytes=settings.max_upload_bytes, max_rows=ccg["n"])
        parse.append(time.perf_counter() - started)
        started = time.perf_counter()
        result = await upload_service.preview(
            data, "w.xlsx", user=user, submit=False, today=TODAY, max_bytes=settings.max_upload_bytes
        )
        full.append(time.perf_counter() - started)
        assert not result.error and result.checked and not result.checked.errors, result.error
    limit = statistics.median(raw)
    line("archive checks + read (xlsx.read_workbook)", statistics.median(parse), "raw openpyxl read", limit)
    line("whole preview (read + database + every cell)", statistics.median(full), "raw openpyxl read", limit)
    assert result.checked is not None
    figure("changes previewed", len(result.checked.changes), "changes")


async def _prepare_clients(count: int) -> tuple[str, list[str]]:
    """A CCG token and `count` of its practices whose open-period return a supplier may save."""
    ccg = await _ccg_near(count + 10)
    practices = await db.fetch(
        "SELECT id, ods_code FROM practice WHERE ccg = {} AND status = 'A' ORDER BY ods_code LIMIT {}", ccg["id"], count
    )
    period = (await db.fetch("SELECT id FROM period WHERE code = '2017/18-Q4'"))[0]
    ids = ", ".join(str(p["id"]) for p in practices)
    await db.engine().run_ddl(
        f"UPDATE practice_return SET state = 'draft' WHERE period = {period['id']} AND practice IN ({ids})"
    )
    issued = await api_service.issue(
        "Benchmark supplier", ccg["code"], actor=Actor(None, "bench"), now=dt.datetime.now(dt.UTC)
    )
    assert issued is not None
    return issued[0], [p["ods_code"] for p in practices]


def _body(version: int, n: int) -> dict[str, Any]:
    from tests.returns.factories import complete_values
    from tests.returns.workbooks import SPECS

    units = {s.code: s.unit for s in SPECS}
    values = complete_values(PO_REG_PCT=20 + n % 30, EPS_UTIL_PCT=60 + n % 20)
    return {
        "version": version,
        "submit": False,
        "values": [
            {"indicator": c, "value": ("yes" if v else "no") if units[c] == "yesno" else v} for c, v in values.items()
        ],
    }


async def _load(base: str, token: str, practices: list[str], seconds: float, health: bool) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=len(practices), max_keepalive_connections=len(practices))
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as client:

        async def worker(code: str) -> None:
            path = f"/api/v1/practices/{code}/returns/2017-18-Q4"
            version = 0 if health else (await client.get(path)).json()["version"]
            n = 0
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    if health:
                        response = await client.get("/health")
                    else:
                        response = await client.put(path, json=_body(version, n))
                except httpx.HTTPError as exc:
                    errors.append(type(exc).__name__)
                    continue
                latencies.append(time.perf_counter() - started)
                n += 1
                if response.status_code != 200:
                    errors.append(f"{response.status_code} {response.text[:120]}")
                    if not health:
                        version = (await client.get(path)).json()["version"]
                elif not health:
                    version = response.json()["version"]

        deadline = time.monotonic() + seconds
        started = time.monotonic()
        await asyncio.gather(*(worker(code) for code in practices))
        elapsed = time.monotonic() - started
    return {
        "requests": len(latencies),
        "rate": len(latencies) / elapsed,
        "errors": errors,
        **percentiles(latencies or [0.0]),
    }


async def bench_concurrent_submissions(settings: Settings) -> None:
    from tests.fixtures_server import start_server, stop_server

    token, practices = await _prepare_clients(CLIENTS)
    workers = "2" if settings.uses_postgres else "1"
    process, base = await asyncio.to_thread(start_server, settings, TRACKER_WORKERS=workers)
    try:
        engine = "PostgreSQL, 2 workers" if settings.uses_postgres else "SQLite, 1 worker"
        print(f"   {CLIENTS} clients for {SECONDS:.0f} s each against {base} ({engine})")
        saves = await _load(base, token, practices, SECONDS, health=False)
        health = await _load(base, token, practices, SECONDS, health=True)
    finally:
        await asyncio.to_thread(stop_server, process)
    figure(
        "API saves (validate, version check, write, audit)",
        saves["rate"],
        "requests/s",
        f"{saves['requests']} requests",
    )
    figure("/health on the same server (the limit)", health["rate"], "requests/s", f"{health['requests']} requests")
    line("save latency p50", saves["p50"], "/health p50", health["p50"], unit="ms")
    line("save latency p95", saves["p95"], "/health p95", health["p95"], unit="ms")
    figure("errors", len(saves["errors"]) + len(health["errors"]), "", "(must be 0)")
    for e in (saves["errors"] + health["errors"])[:5]:
        print(f"     {e}")
    assert not saves["errors"] and not health["errors"], "errors under load"
