"""The scheduled jobs, as a declarative table, and the APScheduler that ticks them.

The scheduler holds no state of its own (memory job store): every tick asks the database what is
due, so nothing is lost while it is down and a second scheduler started by mistake duplicates
nothing (see tracker/notifications/service.py). Started by the app's lifespan only when
TRACKER_SCHEDULER is on, or on its own by `tracker scheduler`; never at import.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from tracker.notifications import service as notifications
from tracker.notifications.calculations import LONDON
from tracker.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    every_seconds: int
    run: Callable[[Settings], Awaitable[Any]]


async def _schedules(settings: Settings) -> None:
    await notifications.ensure_default_schedules(settings)
    results = await notifications.run_due_schedules(settings)
    for result in results:
        log.info("%s", result.summary())
    if any(r.queued for r in results):
        await _deliver(settings)  # what a run queued goes now, not at the sender's next tick


async def _deliver(settings: Settings) -> None:
    result = await notifications.deliver(settings)
    if result.sent or result.failed or result.server_down:
        log.info("deliver-emails: %s", result.summary())


JOBS: tuple[Job, ...] = (
    Job("run-schedules", "Run the schedules (reminders and reports) that are due", 60, _schedules),
    Job(notifications.DELIVERY_JOB, "Deliver queued emails by SMTP (when TRACKER_SMTP_URL is set)", 30, _deliver),
)


def _guarded(job: Job, settings: Settings) -> Callable[[], Awaitable[None]]:
    async def tick() -> None:
        try:
            await job.run(settings)
        except Exception:
            log.exception("job %s failed", job.name)

    return tick


def build_scheduler(settings: Settings) -> AsyncIOScheduler:
    """An AsyncIOScheduler with every job of JOBS; the caller starts it inside a running loop."""
    scheduler = AsyncIOScheduler(timezone=LONDON)
    # APScheduler fires on the real clock, whatever date the tracker believes it is.
    first = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)  # noqa: TID251
    for job in JOBS:
        scheduler.add_job(
            _guarded(job, settings),
            IntervalTrigger(seconds=job.every_seconds, timezone=LONDON),
            id=job.name,
            name=job.description,
            max_instances=1,  # a slow run is never overlapped by the next tick in this process
            coalesce=True,  # ticks missed while busy collapse into one
            next_run_time=first,
            misfire_grace_time=None,
        )
    return scheduler
