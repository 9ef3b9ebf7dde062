"""Printing benchmark figures the same way everywhere: each beside its raw limit."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

DEMO_LOAD_SECONDS = 0.0  # set by the runner when it loads the national demo


def line(what: str, seconds: float, limit_what: str, limit_seconds: float, unit: str = "s") -> None:
    ratio = seconds / limit_seconds if limit_seconds else float("inf")
    scale = 1000 if unit == "ms" else 1
    print(
        f"   {what:<46} {seconds * scale:9.3f} {unit}   limit ({limit_what}): {limit_seconds * scale:9.3f} {unit}"
        f"   x{ratio:5.2f}",
        flush=True,
    )


def figure(what: str, value: float, unit: str, note: str = "") -> None:
    print(f"   {what:<46} {value:12,.2f} {unit}  {note}", flush=True)


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


async def timed_async(fn: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await fn()
    return time.perf_counter() - started


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    return {"p50": pct(50), "p95": pct(95), "p99": pct(99), "mean": statistics.fmean(ordered)}
