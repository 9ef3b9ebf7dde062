"""`tracker catalogue load|list`: the indicator catalogue from a reviewed file, shown before it is written."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tracker.indicators import service
from tracker.indicators.catalogue import DEFAULT_PATH, CatalogueError
from tracker.maturity import service as maturity
from tracker.ops.commandline import CommandError, iso_date
from tracker.ops.progress import activity
from tracker.settings import Settings


async def _load(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"no catalogue file at {path}")
    try:
        catalogue = service.read_file(path)
    except CatalogueError as exc:
        raise CommandError(f"{path}: {exc}") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not a UTF-8 text file") from None
    valid_from = args.valid_from or settings.current_date()
    if not args.apply:
        plan = await service.plan_file(catalogue)
        print(f"Catalogue {catalogue.source}: what --apply would change")
        print("\n".join(plan.lines()))
        if plan.refused:
            raise CommandError(f"{len(plan.refused)} change(s) refused (marked !): correct the file; nothing written")
        if plan.has_changes:
            print(
                f"Nothing written. Run again with --apply to write these changes (definitions valid from {valid_from})."
            )
        return 0
    plan = await service.apply_plan(catalogue, valid_from)
    print("\n".join(plan.lines()))
    if plan.refused:
        raise CommandError(f"{len(plan.refused)} change(s) refused (marked !): nothing written")
    if not plan.has_changes:
        print("The catalogue already matches the file: nothing written.")
        return 0
    print(f"Applied {catalogue.source}; new definitions apply from {valid_from}.")
    # Each period is scored against the definitions in force when it began: rescore.
    with activity("Recomputing maturity scores with the new definitions"):
        summary = await maturity.refresh_all(settings.current_date())
    print(f"Rescored {summary.practices:,} practices over {summary.periods} periods.")
    return 0


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    specs = await service.active_indicators()
    for spec in specs:
        print(f"{spec.code:<20} {spec.unit:<8} target {spec.target_value:g} by {spec.target_date}  {spec.name}")
    print(f"{len(specs)} active indicators")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("catalogue", help="load or list the indicator catalogue")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    c = actions.add_parser("load", help="show what a catalogue file changes; --apply writes it")
    c.add_argument("file", nargs="?", default=str(DEFAULT_PATH), help="the reviewed catalogue file (TOML)")
    c.add_argument("--apply", action="store_true", help="write the changes (all or nothing)")
    c.add_argument(
        "--from",
        dest="valid_from",
        type=iso_date,
        default=None,
        help="date the new definitions apply from (default: today on the tracker's clock)",
    )
    c.set_defaults(handler=_load)
    c = actions.add_parser("list", help="the active indicators")
    c.set_defaults(handler=_list)
