"""The foundation at national scale: the real ODS import and the demo load, beside raw limits."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.benchmarks.report import line, timed
from tracker import db
from tracker.demo.service import SHARED_DATA
from tracker.organisations import import_service
from tracker.organisations.files import parse_ods_practices
from tracker.settings import Settings


def _raw_csv_parse(data: bytes) -> int:
    return sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8"))))


async def _rows_written(settings: Settings, tables: tuple[str, ...] | None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of these tables (every tracker table when None), as stored: the rows to write raw."""
    names = [t._meta.tablename for t in db.all_tables()]
    # data_change's rows are the triggers' own: the raw write gets them from the same triggers.
    wanted = [n for n in names if (tables is None or n in tables) and n != "data_change"]
    if not settings.uses_postgres:
        con = sqlite3.connect(f"file:{settings.sqlite_path}?mode=ro", uri=True)
        try:
            return {n: con.execute(f'SELECT * FROM "{n}"').fetchall() for n in wanted}
        finally:
            con.close()
    return {n: [tuple(r.values()) for r in await db.fetch(f'SELECT * FROM "{n}"')] for n in wanted}


def _schema(settings: Settings, tables: list[str]) -> list[str]:
    """The tracker's own DDL for these tables, their indexes and their triggers (SQLite: the data
    and reference stamps of `data_change`, which any write into this schema pays for); bare
    tables on PostgreSQL."""
    if settings.uses_postgres:
        return []
    con = sqlite3.connect(f"file:{settings.sqlite_path}?mode=ro", uri=True)
    try:
        return [
            sql
            for (sql,) in con.execute(
                "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND type IN ('table', 'index', 'trigger') "
                "AND tbl_name IN (SELECT value FROM json_each(?)) "
                "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, rowid",
                (json.dumps([*tables, "data_change"]),),
            )
        ]
    finally:
        con.close()


async def _raw_limit(settings: Settings, tables: tuple[str, ...] | None = None) -> tuple[float, int]:
    seconds, _, rows = await _raw_limit_and_cpu(settings, tables)
    return seconds, rows


async def _raw_limit_and_cpu(settings: Settings, tables: tuple[str, ...] | None = None) -> tuple[float, float, int]:
    """The raw limit of writing what the tracker wrote: the same rows of the same tables, with the
    same columns, indexes, unique constraints and triggers, by sqlite3 executemany in one transaction (foreign
    keys unchecked and the default journal: the limit errs on the fast side). (seconds, processor
    seconds, rows)"""
    data = {n: rows for n, rows in (await _rows_written(settings, tables)).items() if rows}
    ddl = _schema(settings, list(data))
    with tempfile.TemporaryDirectory() as tmp:
        con = sqlite3.connect(Path(tmp) / "raw.sqlite3")
        for sql in ddl:
            con.execute(sql)
        if not ddl:
            for name, rows in data.items():
                con.execute(f'CREATE TABLE "{name}" ({", ".join(f"c{i}" for i in range(len(rows[0])))})')
        started, cpu = time.perf_counter(), time.process_time()
        with con:
            for name, rows in data.items():
                marks = ", ".join("?" * len(rows[0]))
                con.executemany(f'INSERT INTO "{name}" VALUES ({marks})', rows)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        con.close()
    return elapsed, cpu, sum(len(rows) for rows in data.values())


# What `import_ods` writes: practices, their memberships and regions of the edition, the CCGs,
# regions and local offices they name, the edition, and the audit event.
ODS_TABLES = (
    "practice",
    "practice_membership",
    "practice_edition_region",
    "ccg",
    "ccg_region",
    "region",
    "local_office",
    "ods_edition",
    "audit_event",
)


FIRST_IMPORT_RUNS = 3


async def _first_import(data: bytes) -> tuple[float, float, int, int]:
    """The ODS import into an empty database: (seconds, raw limit's seconds, rows, practices created)."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Settings(data_dir=Path(tmp), secret_key="x")
        engine = db.configure(fresh)
        await db.migrate()
        started = time.perf_counter()
        summary = await import_service.import_ods(data)
        seconds = time.perf_counter() - started
        await db.stop(engine)
        raw, rows = await _raw_limit(fresh, ODS_TABLES)
    return seconds, raw, rows, summary.counts["created"]


async def bench_ods_import(settings: Settings) -> None:
    data = (SHARED_DATA / "epraccur.csv").read_bytes()
    raw_parse = statistics.median(timed(lambda: _raw_csv_parse(data)) for _ in range(FIRST_IMPORT_RUNS))
    parse = statistics.median(timed(lambda: parse_ods_practices(data)) for _ in range(FIRST_IMPORT_RUNS))
    line("parse + validate epraccur.csv (14,357 rows)", parse, "csv.reader alone", raw_parse)
    if not settings.uses_postgres:
        # The first import, into an empty database of its own; the median of a few, each beside its
        # limit: reading the file, and writing the rows the import wrote.
        runs = [await _first_import(data) for _ in range(FIRST_IMPORT_RUNS)]
        db.configure(settings)
        first, raw_insert, rows, created = (statistics.median(run[i] for run in runs) for i in range(4))
        line(
            f"tracker import ods, empty database ({created:,} created)",
            first,
            f"csv.reader + raw executemany of its {rows:,} rows",
            raw_parse + raw_insert,
            goal=3.0,
        )
    # A re-import of the whole file into the national database (nothing changes: the common case).
    started = time.perf_counter()
    summary = await import_service.import_ods(data)
    again = time.perf_counter() - started
    line(
        f"tracker import ods, re-run ({summary.counts.get('unchanged', 0):,} unchanged)",
        again,
        "csv.reader alone",
        raw_parse,
    )


async def bench_demo_load(settings: Settings) -> None:
    from tests.benchmarks import report

    if not report.DEMO_LOAD_SECONDS:
        # BENCH_DATA_DIR reused a database: no demo was loaded in this run, so there is no figure.
        print("   demo load not measured: the database was reused (BENCH_DATA_DIR)")
        return
    returns = int((await db.fetch("SELECT COUNT(*) AS n FROM practice_return"))[0]["n"])
    values = int((await db.fetch("SELECT COUNT(*) AS n FROM return_value"))[0]["n"])
    # The limit: every row the demo wrote, in every table, written raw (the benchmarks that ran
    # before this one may have added a few).
    raw, raw_cpu, rows = await _raw_limit_and_cpu(settings)
    print(f"   demo: {returns:,} returns, {values:,} values, 6,830 practices; {rows:,} rows in all")
    line(
        "tracker demo (imports, history, accounts, features)",
        report.DEMO_LOAD_SECONDS,
        "raw executemany of the same rows",
        raw,
        goal=3.0,
    )
    # The two are timed minutes apart, so other work on the machine can favour either; processor
    # time is the steadier comparison (the workbook process the demo's reports start is not in it).
    line("tracker demo, processor time", report.DEMO_LOAD_CPU_SECONDS, "raw, processor time", raw_cpu)
