"""`tracker import ods PATH` and `tracker import list-sizes PATH`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tracker.organisations import import_service, service
from tracker.organisations.files import FileRefused
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


def register(sub: Any) -> None:
    p = sub.add_parser("import", help="import an official NHS file")
    kinds = p.add_subparsers(dest="kind", required=True, metavar="KIND")
    k = kinds.add_parser("ods", help="the ODS practice file (epraccur.csv)")
    k.add_argument("path")
    k.set_defaults(handler=_import)
    k = kinds.add_parser("list-sizes", help="NHS Digital's patients registered at a GP practice file")
    k.add_argument("path")
    k.set_defaults(handler=_import)


async def status(settings: Settings) -> dict[str, Any]:
    return {"organisations": await service.counts()}
