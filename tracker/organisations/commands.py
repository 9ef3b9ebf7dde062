"""`tracker import ods|ccgs|memberships|list-sizes|nhsbsa-list-sizes PATH`: the official ODS, NHS Digital and
NHSBSA files (the national feeds' imports are registered by tracker.feeds.commands)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tracker.organisations import import_service, listsize_import_service, service
from tracker.organisations.files import FileRefused
from tracker.periods.calculations import parse_code
from tracker.settings import Settings


async def _import(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.path)
    if not path.is_file():
        print(f"tracker: no file at {path}", file=sys.stderr)
        return 2
    data = path.read_bytes()
    try:
        if args.kind == "ods":
            summary = await import_service.import_ods(data, actor="cli", as_at=_date(args.as_at))
        elif args.kind == "ccgs":
            summary = await import_service.import_ccgs(data, actor="cli")
        elif args.kind == "memberships":
            summary = await import_service.import_memberships(data, actor="cli")
        else:
            summary = await import_service.import_list_sizes(data, actor="cli")
    except FileRefused as exc:
        print(f"Refused, nothing was imported: {exc}", file=sys.stderr)
        return 1
    print("\n".join(summary.lines()))
    return 0


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise FileRefused(f"--as-at {text!r} is not a date like 2015-07-01") from None


async def _import_nhsbsa(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.path)
    if not path.is_file():
        print(f"tracker: no file at {path}", file=sys.stderr)
        return 2
    try:
        snapshot = parse_code(args.quarter).start_date if args.quarter else None
        summary = await listsize_import_service.import_nhsbsa_list_sizes(
            path.read_bytes(), file_name=path.name, snapshot=snapshot, actor="cli", progress=_progress
        )
    except (FileRefused, ValueError) as exc:
        print(f"Refused, nothing was imported: {exc}", file=sys.stderr)
        return 1
    print("\n".join(summary.lines()))
    return 0


def _progress(line: str) -> None:
    print(f"  … {line}", file=sys.stderr, flush=True)


def register(sub: Any) -> None:
    p = sub.add_parser("import", help="import an official NHS file")
    kinds = p.add_subparsers(dest="kind", required=True, metavar="KIND")
    k = kinds.add_parser("ods", help="an edition of the ODS practice file (epraccur.csv); import old and new editions")
    k.add_argument("path")
    k.add_argument("--as-at", help="the date the edition stands for (default: the latest date inside it)")
    k.set_defaults(handler=_import)
    k = kinds.add_parser("ccgs", help="the ODS CCG file with names and dates (eccg.csv)")
    k.add_argument("path")
    k.set_defaults(handler=_import)
    k = kinds.add_parser("memberships", help="the ODS file of practices' CCG membership with dates (epcmem.csv)")
    k.add_argument("path")
    k.set_defaults(handler=_import)
    k = kinds.add_parser("list-sizes", help="NHS Digital's patients registered at a GP practice file")
    k.add_argument("path")
    k.set_defaults(handler=_import)
    k = kinds.add_parser("nhsbsa-list-sizes", help="an NHSBSA quarter (Patient_List_Size_YYYY_MM-MM.csv)")
    k.add_argument("path")
    k.add_argument("--quarter", help="the quarter, e.g. 2015/16-Q1, when the file name does not say it")
    k.set_defaults(handler=_import_nhsbsa)
    from tracker.feeds.commands import register_imports

    register_imports(kinds)


async def status(settings: Settings) -> dict[str, Any]:
    return {"organisations": asdict(await service.counts())}
