"""`tracker import pomi PATH`, `tracker import nhs-choices PATH --month 2016-02` and
`tracker import gp2gp PATH --year 2019`: each calls one service function."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tracker.feeds import service
from tracker.organisations.files import FileRefused
from tracker.settings import Settings


def _progress(line: str) -> None:
    print(f"  … {line}", file=sys.stderr, flush=True)


async def _run(path_text: str, importer: Callable[[bytes], Awaitable[Any]]) -> int:
    path = Path(path_text)
    if not path.is_file():
        print(f"tracker: no file at {path}", file=sys.stderr)
        return 2
    try:
        summary = await importer(path.read_bytes())
    except FileRefused as exc:
        print(f"Refused, nothing was imported: {exc}", file=sys.stderr)
        return 1
    print("\n".join(summary.lines()))
    return 0


async def _pomi(args: argparse.Namespace, settings: Settings) -> int:
    return await _run(args.path, lambda data: service.import_pomi(data, actor="cli", progress=_progress))


async def _nhs_choices(args: argparse.Namespace, settings: Settings) -> int:
    try:
        month = dt.datetime.strptime(args.month, "%Y-%m").date()
    except ValueError:
        print("tracker: --month must look like 2016-02", file=sys.stderr)
        return 2
    return await _run(
        args.path, lambda data: service.import_nhs_choices(data, month=month, actor="cli", progress=_progress)
    )


async def _gp2gp(args: argparse.Namespace, settings: Settings) -> int:
    return await _run(
        args.path, lambda data: service.import_gp2gp(data, year=args.year, actor="cli", progress=_progress)
    )


def register_imports(kinds: Any) -> None:
    """Adds the feeds' subcommands to `tracker import`."""
    k = kinds.add_parser("pomi", help="Patient Online Management Information (zip or CSV; long or 2015 wide layout)")
    k.add_argument("path")
    k.set_defaults(handler=_pomi)
    k = kinds.add_parser("nhs-choices", help="the NHS Choices GP export (Windows-1252, ¬-separated; isEPSEnabled)")
    k.add_argument("path")
    k.add_argument("--month", required=True, help="the month the export was taken, e.g. 2016-02")
    k.set_defaults(handler=_nhs_choices)
    k = kinds.add_parser("gp2gp", help="GP2GP record transfers received per practice per month")
    k.add_argument("path")
    k.add_argument("--year", type=int, required=True, help="the calendar year of the file's months, e.g. 2019")
    k.set_defaults(handler=_gp2gp)
