"""`tracker import ods PATH`, `tracker import list-sizes PATH` and `tracker import nhsbsa-list-sizes PATH`
(the national feeds' imports are registered by tracker.feeds.commands)."""

from __future__ import annotations

import argparse
import sys
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
    importer = import_service.import_ods if args.kind == "ods" else import_service.import_list_sizes
    try:
        summary = await importer(data, actor="cli")
    except FileRefused as exc:
        print(f"Refused, nothing was imported: {exc}", file=sys.stderr)
        return 1
    print("\n".join(summary.lines()))
    return 0


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
    k = kinds.add_parser("ods", help="the ODS practice file (epraccur.csv)")
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
    return {"organisations": await service.counts()}
