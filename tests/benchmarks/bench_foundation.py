"""The foundation at national scale: the real ODS import and the demo load, beside raw limits."""

from __future__ import annotations

import csv
import io
import sqlite3
import tempfile
import time
from pathlib import Path

from tests.benchmarks.report import line, timed
from tracker import db
from tracker.demo.service import SHARED_DATA
from tracker.organisations import import_service
from tracker.organisations.files import parse_ods_practices
from tracker.settings import Settings


def _raw_csv_parse(data: bytes) -> int:
    return sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8"))))


def _raw_sqlite_insert(rows: list[tuple]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        con = sqlite3.connect(Path(tmp) / "raw.sqlite3")
        con.execute("CREATE TABLE t (a, b, c, d, e, f, g, h, i, j, k, l, m)")
        started = time.perf_counter()
        with con:
            con.executemany("INSERT INTO t VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        elapsed = time.perf_counter() - started
        con.close()
    return elapsed


async def bench_ods_import(settings: Settings) -> None:
    data = (SHARED_DATA / "epraccur.csv").read_bytes()
    parse = timed(lambda: parse_ods_practices(data))
    line("parse + validate epraccur.csv (14,357 rows)", parse, "csv.reader alone", timed(lambda: _raw_csv_parse(data)))
    records = [r for r in parse_ods_practices(data) if r.is_gp_practice]
    rows = [
        (r.code, r.name, r.address, r.postcode, 1, 1, 1, r.status, r.open_date, r.close_date, r.phone, "", "")
        for r in records
    ]
    raw_insert = _raw_sqlite_insert(rows)
    if not settings.uses_postgres:
        # The first import, into an empty database of its own.
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Settings(data_dir=Path(tmp), secret_key="x")
            engine = db.configure(fresh)
            await db.migrate()
            first = time.perf_counter()
            summary = await import_service.import_ods(data)
            first = time.perf_counter() - first
            await db.stop(engine)
        db.configure(settings)
        line(
            f"tracker import ods, empty database ({summary.counts['created']:,} created)",
            first,
            "raw sqlite3 executemany",
            raw_insert,
            goal=3.0,
        )
    # A re-import of the whole file into the national database (nothing changes: the common case).
    started = time.perf_counter()
    summary = await import_service.import_ods(data)
    again = time.perf_counter() - started
    line(
        f"tracker import ods, re-run ({summary.counts.get('unchanged', 0):,} unchanged)",
        again,
        "raw sqlite3 executemany",
        raw_insert,
    )


async def bench_demo_load(settings: Settings) -> None:
    from tests.benchmarks import report

    if not report.DEMO_LOAD_SECONDS:
        # BENCH_DATA_DIR reused a database: no demo was loaded in this run, so there is no figure.
        print("   demo load not measured: the database was reused (BENCH_DATA_DIR)")
        return
    returns = int((await db.fetch("SELECT COUNT(*) AS n FROM practice_return"))[0]["n"])
    values = int((await db.fetch("SELECT COUNT(*) AS n FROM return_value"))[0]["n"])
    with tempfile.TemporaryDirectory() as tmp:
        con = sqlite3.connect(Path(tmp) / "raw.sqlite3")
        con.execute("CREATE TABLE r (a, b, c, d, e, f, g, h, i, j)")
        con.execute("CREATE TABLE v (a, b, c, d, e, f)")
        started = time.perf_counter()
        with con:
            con.executemany(
                "INSERT INTO r VALUES (?,?,?,?,?,?,?,?,?,?)",
                [(i, 1, "approved", 1, None, None, None, None, None, "") for i in range(returns)],
            )
            con.executemany("INSERT INTO v VALUES (?,?,?,?,?,?)", [(i, 1, 50.0, None, None, "") for i in range(values)])
        raw = time.perf_counter() - started
        con.close()
    print(f"   demo: {returns:,} returns, {values:,} values, 6,830 practices")
    line(
        "tracker demo (imports, history, accounts, features)",
        report.DEMO_LOAD_SECONDS,
        "raw executemany of the same rows",
        raw,
        goal=3.0,
    )
