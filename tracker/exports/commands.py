"""`tracker export national|region CODE|ccg CODE [--period 2017/18-Q3] [--table NAME] --out FILE`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from litestar.exceptions import NotFoundException

from tracker.exports import service
from tracker.exports.sheets import CSV_TABLES
from tracker.ops.commandline import check_writable, write_output
from tracker.ops.progress import activity
from tracker.settings import Settings


async def _export(args: argparse.Namespace, settings: Settings) -> int:
    if args.scope != "national" and not args.code:
        print(f"tracker: name the {args.scope}'s code, like `tracker export {args.scope} Y63`", file=sys.stderr)
        return 2
    if args.out:
        check_writable(args.out)  # before the work, not after it
    try:
        with activity(f"Building the {args.scope} {'table' if args.table else 'workbook'}"):
            filename, content = await service.export_file(
                args.scope, args.code, args.period, settings.current_date(), table=args.table
            )
    except (service.ExportError, NotFoundException) as exc:
        print(f"tracker: {exc.detail if isinstance(exc, NotFoundException) else exc}", file=sys.stderr)
        return 1
    where = write_output(args.out or filename, content)
    print(f"Wrote {where} ({len(content):,} bytes)", file=sys.stderr if args.out == "-" else sys.stdout)
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="write the Excel workbook (or one table as CSV) for England, a region or a CCG")
    p.add_argument("scope", choices=service.SCOPES)
    p.add_argument("code", nargs="?", default=None, help="the region's or CCG's ODS code (not for national)")
    p.add_argument("--period", default=None, help="like 2017/18-Q3 (default: the latest period past its due date)")
    p.add_argument("--table", default=None, choices=CSV_TABLES, help="write this table as CSV instead of the workbook")
    p.add_argument(
        "--out", default=None, help="file to write, - for standard output (default: the download's file name)"
    )
    p.set_defaults(handler=_export)
