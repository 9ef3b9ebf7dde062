"""Printing benchmark figures the same way everywhere: each beside its raw limit."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

DEMO_LOAD_SECONDS = 0.0  # set by the runner when it loads the national demo
DEMO_LOAD_CPU_SECONDS = 0.0  # its processor time (this process's threads): steadier on a busy machine


@dataclass(frozen=True)
class Result:
    """One row of the summary printed at the end of `make bench`: a figure with a goal."""

    operation: str
    tracker: str
    limit: str
    ratio: str
    goal: str
    met: bool


RESULTS: list[Result] = []


def line(
    what: str, seconds: float, limit_what: str, limit_seconds: float, unit: str = "s", goal: float | None = None
) -> None:
    """A figure beside its raw limit; with `goal`, the largest ratio allowed (it joins the summary)."""
    ratio = seconds / limit_seconds if limit_seconds else float("inf")
    scale = 1000 if unit == "ms" else 1
    print(
        f"   {what:<46} {seconds * scale:9.3f} {unit}   limit ({limit_what}): {limit_seconds * scale:9.3f} {unit}"
        f"   x{ratio:5.2f}",
        flush=True,
    )
    if goal is not None:
        RESULTS.append(
            Result(
                what,
                f"{seconds * scale:,.1f} {unit}",
                f"{limit_seconds * scale:,.1f} {unit} ({limit_what})",
                f"x{ratio:.2f}",
                f"within x{goal:g}",
                ratio <= goal,
            )
        )


def figure(what: str, value: float, unit: str, note: str = "") -> None:
    print(f"   {what:<46} {value:12,.2f} {unit}  {note}", flush=True)


def check(what: str, value: float, unit: str, goal: str, met: bool, limit: str = "") -> None:
    """A figure with an absolute goal (a latency, a count of errors): printed and summarised."""
    figure(what, value, unit, f"goal: {goal}")
    RESULTS.append(Result(what, f"{value:,.1f} {unit}".strip(), limit, "", goal, met))


def summary() -> None:
    """The table at the end of `make bench`: each figure with a goal, and whether it is met."""
    if not RESULTS:
        return
    head = ("operation", "tracker", "limit", "ratio", "goal", "met")
    rows = [(r.operation, r.tracker, r.limit, r.ratio, r.goal, "yes" if r.met else "NO") for r in RESULTS]
    widths = [max(len(str(row[i])) for row in [head, *rows]) for i in range(len(head))]
    print("== summary: each figure against its goal")
    for row in [head, tuple("-" * w for w in widths), *rows]:
        print("   " + "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)), flush=True)
    met = sum(r.met for r in RESULTS)
    print(f"   {met} of {len(RESULTS)} goals met", flush=True)


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
