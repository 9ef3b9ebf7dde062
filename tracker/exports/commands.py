"""`tracker export national|region CODE|ccg CODE [--period 2017/18-Q3] [--table NAME] --out FILE`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from litestar.exceptions import NotFoundException

from tracker.exports import service
from tracker.exports.sheets import CSV_TABLES
from tracker.settings import Settings


async def _export(args: argparse.Namespace, settings: Settings) -> int:
    if args.scope != "national" and not args.code:
        print(f"tracker: name the {args.scope}'s code, like `tracker export {args.scope} Y63`", file=sys.stderr)
        return 2
    try:
        filename, content = await service.export_file(
            args.scope, args.code, args.period, settings.current_date(), table=args.table
        )
    except (service.ExportError, NotFoundException) as exc:
        print(f"tracker: {exc.detail if isinstance(exc, NotFoundException) else exc}", file=sys.stderr)
        return 1
    out = Path(args.out) if args.out else Path(filename)
    out.write_bytes(content)
    print(f"Wrote {out} ({len(content):,} bytes)")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="write the Excel workbook (or one table as CSV) for England, a region or a CCG")
    p.add_argument("scope", choices=service.SCOPES)
    p.add_argument("code", nargs="?", default=None, help="the region's or CCG's ODS code (not for national)")
    p.add_argument("--period", default=None, help="like 2017/18-Q3 (default: the latest period past its due date)")
    p.add_argument("--table", default=None, choices=CSV_TABLES, help="write this table as CSV instead of the workbook")
    p.add_argument("--out", default=None, help="file to write (default: the download's file name)")
    p.set_defaults(handler=_export)
