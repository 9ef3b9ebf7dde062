"""The scheduled jobs, as a declarative table, and the APScheduler that ticks them.

Only the process holding the scheduler lease (a row in the database, renewed by the heartbeat
job) runs the jobs: when several processes are configured to schedule, the others log a warning
and stand by, taking over if the holder stops renewing.

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

from tracker.maturity import service as maturity
from tracker.notifications import service as notifications
from tracker.notifications.calculations import LONDON
from tracker.ops import retention
from tracker.ops import service as ops
from tracker.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    every_seconds: int
    run: Callable[[Settings], Awaitable[Any]]


HEARTBEAT_SECONDS = 20
LEASE_SECONDS = 60  # another process takes over this long after the holder's last heartbeat


async def _score(settings: Settings) -> None:
    if await maturity.ensure_scored(settings.current_date()):
        log.info("score-periods: scored every practice for the periods that lacked scores")


async def _schedules(settings: Settings) -> None:
    await notifications.ensure_default_schedules(settings)
    # The reports read the scores: a period that opened since the last scoring tick is scored first.
    results = await notifications.run_due_schedules(settings, before_first=lambda: _score(settings))
    if not results:
        log.info("run-schedules: nothing due")
    for result in results:
        log.info("run-schedules: %s", result.summary())
    if any(r.queued for r in results):
        await _deliver(settings)  # what a run queued goes now, not at the sender's next tick


async def _deliver(settings: Settings) -> None:
    result = await notifications.deliver(settings)
    log.info("%s: %s", notifications.DELIVERY_JOB, result.summary())


async def _retention(settings: Settings) -> None:
    result = await retention.apply(settings)
    log.info("retention: %s", result.summary())


JOBS: tuple[Job, ...] = (
    # Pages only read the scores: a period opening (or an ODS import changing who is expected) is
    # scored here for every practice at once, and each saved return refreshes its own practice.
    Job("score-periods", "Score every practice for each opened period whose scores are missing or stale", 300, _score),
    Job("run-schedules", "Run the schedules (reminders, reports and the monthly alerts) that are due", 60, _schedules),
    Job(notifications.DELIVERY_JOB, "Deliver queued emails by SMTP (when TRACKER_SMTP_URL is set)", 30, _deliver),
    Job("retention", "Remove expired sessions; empty sent emails past TRACKER_OUTBOX_RETAIN_DAYS", 3600, _retention),
)


class Lease:
    """This process's hold on the scheduler lease; the heartbeat renews it."""

    def __init__(self, holder: str | None = None) -> None:
        self.holder = holder or ops.process_id()
        self.holding = False
        self.warned = False

    async def beat(self) -> bool:
        try:
            # The lease is between processes: real time, whatever date the tracker believes it is.
            held = await ops.claim(self.holder, dt.datetime.now(dt.UTC), dt.timedelta(seconds=LEASE_SECONDS))  # noqa: TID251
        except Exception:
            log.exception("scheduler heartbeat failed")
            held = False
        if held and not self.holding:
            log.info("scheduler: this process (%s) runs the scheduled jobs", self.holder)
        elif not held and (self.holding or not self.warned):
            current = await _holder()
            log.warning(
                "scheduler: another process (%s) is already scheduling; this one (%s) stands by. "
                "Switch TRACKER_SCHEDULER on for one process only.",
                current or "unknown",
                self.holder,
            )
            self.warned = True
        self.holding = held
        return held

    async def release(self) -> None:
        if self.holding:
            await ops.release(self.holder)
            self.holding = False


async def _holder() -> str:
    try:
        current = await ops.lease()
    except Exception:
        return ""
    return current.holder if current else ""


def _guarded(job: Job, settings: Settings, lease: Lease) -> Callable[[], Awaitable[None]]:
    async def tick() -> None:
        if not lease.holding:
            return
        try:
            await job.run(settings)
        except Exception:
            log.exception("%s: failed", job.name)

    return tick


def build_scheduler(settings: Settings, lease: Lease | None = None) -> AsyncIOScheduler:
    """An AsyncIOScheduler with every job of JOBS and the heartbeat; the caller starts it inside a
    running loop, after `await lease.beat()` so the first ticks already know who holds the lease."""
    lease = lease or Lease()
    scheduler = AsyncIOScheduler(timezone=LONDON)
    # APScheduler fires on the real clock, whatever date the tracker believes it is.
    first = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)  # noqa: TID251
    scheduler.add_job(
        lease.beat,
        IntervalTrigger(seconds=HEARTBEAT_SECONDS, timezone=LONDON),
        id="heartbeat",
        name="Renew this process's scheduler lease (the heartbeat)",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    for job in JOBS:
        scheduler.add_job(
            _guarded(job, settings, lease),
            IntervalTrigger(seconds=job.every_seconds, timezone=LONDON),
            id=job.name,
            name=job.description,
            max_instances=1,  # a slow run is never overlapped by the next tick in this process
            coalesce=True,  # ticks missed while busy collapse into one
            next_run_time=first,
            misfire_grace_time=None,
        )
    return scheduler


async def start_scheduler(settings: Settings) -> tuple[AsyncIOScheduler, Lease]:
    """Claim the lease (or stand by), then start ticking: for the lifespan and `tracker scheduler`."""
    lease = Lease()
    await lease.beat()
    scheduler = build_scheduler(settings, lease)
    scheduler.start()
    return scheduler, lease


async def stop_scheduler(scheduler: AsyncIOScheduler, lease: Lease) -> None:
    scheduler.shutdown(wait=False)
    try:
        await lease.release()
    except Exception:
        log.exception("scheduler: could not release the lease (another process takes over when it expires)")
