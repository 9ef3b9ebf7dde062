"""Demo data for notifications: the schedules, and the emails they would send as at the demo date."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os

from tracker.notifications import service
from tracker.settings import Settings


async def seed(today: dt.date, seed: int) -> None:
    settings = dataclasses.replace(Settings.from_env(os.environ), today=today)
    for result in await service.seed_demo(settings, today):
        print(f"  {result.summary()}")
