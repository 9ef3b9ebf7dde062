"""`tracker demo`: load the demo into an empty database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tracker.demo import service
from tracker.ops.commandline import iso_date
from tracker.ops.progress import Progress
from tracker.settings import Settings


async def _demo(args: argparse.Namespace, settings: Settings) -> int:
    if await service.is_loaded():
        print("The database already has organisations: the demo was not loaded again.")
        return 0
    data = Path(args.data)
    for name in (service.ODS_FILE, service.LIST_SIZE_FILE):
        if not (data / name).is_file():
            print(f"tracker: the demo needs {data / name}", file=sys.stderr)
            return 2
    today = args.as_at or settings.today or service.DEMO_TODAY
    with Progress("Loading the demo", total=service.step_count(data)) as progress:

        def report(step: str, seconds: float | None) -> None:
            if seconds is None:
                progress.start(step)
            else:
                progress.finish(step, seconds)

        summary = await service.load_demo(data, today=today, seed=args.seed, progress=report)
    print("\n".join(summary.lines))
    for name, seconds in summary.timings.items():
        print(f"  {name}: {seconds:.1f} s")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="load the demo (real practices, synthetic returns) into an empty database")
    p.add_argument(
        "--data", default=str(service.SHARED_DATA), help="folder with epraccur.csv and gp-reg-pat-prac-all.csv"
    )
    p.add_argument("--as-at", type=iso_date, help="the demo's date (default TRACKER_TODAY, else 2018-04-20)")
    p.add_argument("--seed", type=int, default=service.DEFAULT_SEED)
    p.set_defaults(handler=_demo)
