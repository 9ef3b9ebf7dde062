"""`make bench`: every benchmark in tests/benchmarks/bench_*.py, at national scale.

The runner builds one national-scale demo database (all active practices, 16 quarters of
returns), configures the tracker on it, and calls each `bench_*` function (sync or async). A
function that takes a `settings` parameter gets the Settings of that database. Each benchmark
prints its figures beside the raw limit it is compared with. Usage:

    python -m tests.benchmarks            # all
    python -m tests.benchmarks -k returns # those whose module or name contains "returns"
    BENCH_DATA_DIR=/tmp/bench python -m tests.benchmarks -k review   # keep the database for reruns
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import os
import pkgutil
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tracker import db
from tracker.settings import Settings

HERE = Path(__file__).resolve().parent


def bench_settings(data_dir: Path) -> Settings:
    env = {
        "TRACKER_DATA_DIR": str(data_dir),
        "TRACKER_TODAY": "2018-04-20",
        "TRACKER_DEMO": "true",
        "TRACKER_SECRET_KEY": "bench-secret-" + "x" * 40,
        # One line per request would bury the figures.
        "TRACKER_LOG_LEVEL": "WARNING",
    }
    if os.environ.get("TRACKER_DATABASE_URL"):
        env["TRACKER_DATABASE_URL"] = os.environ["TRACKER_DATABASE_URL"]
    return Settings.from_env(env)


async def prepare(settings: Settings) -> None:
    from tracker.demo import service as demo

    engine = db.configure(settings)
    if settings.uses_postgres:
        await engine.run_ddl("DROP SCHEMA public CASCADE")
        await engine.run_ddl("CREATE SCHEMA public")
    await db.migrate()
    await db.start(engine)
    started, cpu = time.perf_counter(), time.process_time()
    await demo.load_demo()
    from tests.benchmarks import report

    report.DEMO_LOAD_SECONDS = time.perf_counter() - started
    report.DEMO_LOAD_CPU_SECONDS = time.process_time() - cpu
    print(f"national-scale demo database ready in {report.DEMO_LOAD_SECONDS:.1f} s\n", flush=True)
    await db.stop(engine)


def discover(pattern: str | None) -> list[tuple[str, Any]]:
    found = []
    for info in sorted(pkgutil.iter_modules([str(HERE)]), key=lambda i: i.name):
        if not info.name.startswith("bench_"):
            continue
        module = importlib.import_module(f"tests.benchmarks.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("bench_") and fn.__module__ == module.__name__:
                label = f"{info.name}.{name}"
                if pattern is None or pattern in label:
                    found.append((label, fn))
    return found


async def run_one(fn: Any, settings: Settings) -> None:
    engine = db.configure(settings)
    await db.start(engine)
    try:
        kwargs = {"settings": settings} if "settings" in inspect.signature(fn).parameters else {}
        if inspect.iscoroutinefunction(fn):
            await fn(**kwargs)
        else:
            await asyncio.to_thread(fn, **kwargs)
    finally:
        await db.stop(engine)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks")
    parser.add_argument("-k", dest="pattern", help="run only benchmarks whose name contains this")
    args = parser.parse_args(argv)
    benches = discover(args.pattern)
    if not benches:
        print("no benchmarks matched")
        return 1
    # BENCH_DATA_DIR keeps the national database between runs (SQLite): built once, then reused.
    kept = os.environ.get("BENCH_DATA_DIR")
    data_dir = Path(kept) if kept else Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    settings = bench_settings(data_dir)
    print(f"Database: {'PostgreSQL' if settings.uses_postgres else 'SQLite'}; {len(benches)} benchmarks\n")
    failures = 0
    try:
        if not (kept and not settings.uses_postgres and settings.sqlite_path.exists()):
            asyncio.run(prepare(settings))
        for label, fn in benches:
            print(f"== {label}", flush=True)
            try:
                asyncio.run(run_one(fn, settings))
            except Exception as exc:  # a broken benchmark must not hide the others' figures
                failures += 1
                print(f"   FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
            print(flush=True)
    finally:
        if not kept:
            shutil.rmtree(data_dir, ignore_errors=True)
    from tests.benchmarks import report

    report.summary()
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
