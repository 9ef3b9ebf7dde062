"""The demo step: score every practice once the demo's returns history exists."""

from __future__ import annotations

import datetime as dt

from tracker.maturity import service


async def seed(today: dt.date, seed: int) -> None:
    """Compute all scores after the demo load (the history is deterministic, so is this)."""
    await service.refresh_all(today)
