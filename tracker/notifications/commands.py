"""`tracker jobs list|run`, `tracker scheduler` and this feature's part of `tracker status`."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import Any

from tracker.maturity import service as maturity
from tracker.notifications import calculations as calc
from tracker.notifications import outbox_service, service
from tracker.settings import Settings


def register(sub: Any) -> None:
    jobs = sub.add_parser("jobs", help="list the scheduled jobs or run one by hand")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True, metavar="ACTION")
    p = jobs_sub.add_parser("list", help="every job with its schedule and last run")
    p.set_defaults(handler=_list)
    p = jobs_sub.add_parser("run", help="run a job now (emails still go exactly once)")
    p.add_argument(
        "name", help=f"a schedule's name ({', '.join(k.name for k in calc.KINDS.values())}) or {service.DELIVERY_JOB}"
    )
    p.add_argument("--dry-run", action="store_true", help="say what would be queued, queue nothing")
    p.add_argument("--show", type=int, default=10, help="list this many of the emails (default 10)")
    p.set_defaults(handler=_run)
    p = sub.add_parser("scheduler", help="run the scheduler in this process until stopped")
    p.set_defaults(handler=_scheduler)


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    await service.ensure_default_schedules(settings)
    runs = await service.last_runs()
    for row in await service.schedules():
        last = runs.get(row.name)
        state = "on " if row.enabled else "off"
        when = calc.describe_cron(row.cron)
        print(f"{row.name:<20} {state} {row.cron:<14} {when:<34} last run: {last.started_at if last else 'never'}")
    last = runs.get(service.DELIVERY_JOB)
    print(
        f"{service.DELIVERY_JOB:<20} on  every 30 seconds (with the scheduler)        last run: {last.started_at if last else 'never'}"
    )
    return 0


SCORING_JOB = "score-periods"


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    await service.ensure_default_schedules(settings)
    if args.name == service.DELIVERY_JOB:
        if args.dry_run:
            counts = await outbox_service.counts_by_state()
            print(f"{service.DELIVERY_JOB}: {counts['queued']} email(s) queued")
            return 0
        result = await service.deliver(settings)
        print(f"{service.DELIVERY_JOB}: {result.summary()}")
        return 0
    # Reports read the scores, as the scheduler's run does: score any period missing them first.
    scored = await maturity.ensure_scored(settings.current_date())
    if args.name == SCORING_JOB:
        print(f"{SCORING_JOB}: {'scored every practice' if scored else 'every opened period already scored'}")
        return 0
    row = await service.schedule_by_name(args.name)
    if row is None:
        names = ", ".join(r.name for r in await service.schedules())
        print(
            f"tracker: no job called {args.name!r} (jobs: {names}, {service.DELIVERY_JOB}, {SCORING_JOB})",
            file=sys.stderr,
        )
        return 2
    run = await service.run_schedule(settings, row, dry_run=args.dry_run, trigger="cli", actor="cli")
    print(run.summary())
    for note in run.notes:
        print(f"  {note}")
    for email in run.emails[: args.show]:
        print(f"  {email.to_address:<40} {email.subject}")
    if len(run.emails) > args.show:
        print(f"  ... and {len(run.emails) - args.show} more")
    return 0


async def _scheduler(args: argparse.Namespace, settings: Settings) -> int:
    from tracker.jobs import JOBS, start_scheduler, stop_scheduler

    await service.ensure_default_schedules(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    running = await start_scheduler(settings)
    print(f"Scheduler running: {', '.join(j.name for j in JOBS)}. Stop with Ctrl+C.", flush=True)
    try:
        await stop.wait()
    finally:
        await stop_scheduler(*running)
    return 0


async def status(settings: Settings) -> dict[str, Any]:
    runs = await service.last_runs()
    return {
        "outbox": await outbox_service.counts_by_state(),
        "jobs": {
            name: {
                "state": r.state,
                "started_at": r.started_at,
                "emails": r.emails_queued,
                "trigger": r.trigger,
            }
            for name, r in runs.items()
        },
    }
