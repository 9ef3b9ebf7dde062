"""`tracker refresh`: recompute every practice's maturity scores and the indicator statistics."""

from __future__ import annotations

import argparse
import time
from typing import Any

from tracker.maturity import service
from tracker.settings import Settings


async def _refresh(args: argparse.Namespace, settings: Settings) -> int:
    started = time.perf_counter()
    summary = await service.refresh_all(settings.current_date())
    seconds = time.perf_counter() - started
    print(
        f"Scored {summary.practices:,} practices over {summary.periods} periods from "
        f"{summary.values_read:,} approved values: {summary.score_rows:,} score rows, "
        f"{summary.stat_rows:,} indicator statistics in {seconds:.1f} s"
    )
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("refresh", help="recompute all maturity scores from the approved returns")
    p.set_defaults(handler=_refresh)


async def status(settings: Settings) -> dict[str, Any]:
    return {"maturity": await service.counts()}
