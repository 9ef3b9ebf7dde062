"""Schedules and job runs: what runs when, running it exactly once, and the log of runs.

The scheduler (tracker/jobs.py) only gives the tick. On each tick `run_due_schedules` asks each
enabled schedule for the latest time it should have fired; if that time has not been run, one
process claims it (a JobClaim row, unique per job and time) and runs it. After downtime that is one
run for the latest missed time, never one per missed tick. Whatever the claims, each email's
idempotency key makes it go once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from litestar.exceptions import NotFoundException

from tracker.audit import service as audit
from tracker.db import fetch, write_transaction
from tracker.notifications import calculations as calc
from tracker.notifications import delivery_service, digest_service, outbox_service, reminder_service, report_service
from tracker.notifications.planning import Plan, PlannedEmail, RunContext
from tracker.organisations import service as organisations
from tracker.settings import Settings
from tracker.tables import JobClaim, JobRun, Schedule

log = logging.getLogger(__name__)

CLAIM_STALE_AFTER = dt.timedelta(minutes=30)  # a claim this old, never finished, belonged to a dead process
DELIVERY_JOB = "deliver-emails"


async def _plan_practice(ctx: RunContext) -> Plan:
    return await reminder_service.plan(ctx, "practice_reminder")


async def _plan_overdue(ctx: RunContext) -> Plan:
    return await reminder_service.plan(ctx, "overdue_reminder")


PLANNERS: dict[str, Callable[[RunContext], Awaitable[Plan]]] = {
    "practice_reminder": _plan_practice,
    "overdue_reminder": _plan_overdue,
    "ccg_report": report_service.plan_ccg_reports,
    "region_summary": report_service.plan_region_summaries,
    "national_summary": report_service.plan_national_summary,
    "alert_digest": digest_service.plan,
}


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """A schedule as the pages, the CLI and the scheduler's tick read it."""

    id: int
    name: str
    kind: str
    cron: str
    enabled: bool
    last_run_at: dt.datetime | None
    last_fire_at: dt.datetime | None
    next_run_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class JobRunRow:
    """One run of a job, for the runs tables and the CLI's status."""

    job: str
    trigger: str
    state: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    emails_queued: int
    detail: str = ""
    error: str = ""


def _schedule_row(r: dict[str, Any]) -> ScheduleRow:
    return ScheduleRow(
        id=r["id"],
        name=r["name"],
        kind=r["kind"],
        cron=r["cron"],
        enabled=bool(r["enabled"]),
        last_run_at=r["last_run_at"],
        last_fire_at=r["last_fire_at"],
        next_run_at=r["next_run_at"],
    )


def _run_row(r: dict[str, Any]) -> JobRunRow:
    return JobRunRow(
        job=r["job"],
        trigger=r["trigger"],
        state=r["state"],
        started_at=r["started_at"],
        finished_at=r["finished_at"],
        emails_queued=r["emails_queued"],
        detail=r.get("detail") or "",
        error=r.get("error") or "",
    )


@dataclass(frozen=True, slots=True)
class OrganisationContact:
    """One of a person's organisations and its contact address."""

    code: str
    name: str
    contact_email: str | None


@dataclass(frozen=True, slots=True)
class Recipient:
    """What a signed-in person receives: their organisations' contact addresses and the schedules by kind."""

    contacts: list[OrganisationContact]
    schedules: dict[str, ScheduleRow]


@dataclass
class RunResult:
    job: str
    dry_run: bool
    queued: int = 0
    already_queued: int = 0
    emails: list[PlannedEmail] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped_reason: str = ""

    def summary(self) -> str:
        if self.skipped_reason:
            return f"{self.job}: skipped ({self.skipped_reason})"
        verb = "would queue" if self.dry_run else "queued"
        return f"{self.job}: {verb} {self.queued} email(s), {self.already_queued} already in the outbox"


def _clock(settings: Settings, now: dt.datetime | None) -> tuple[dt.datetime, dt.date]:
    if now is None:
        return settings.now(), settings.current_date()
    return now, now.astimezone(calc.LONDON).date()


# --- Schedules -------------------------------------------------------------------------------


async def ensure_default_schedules(settings: Settings, now: dt.datetime | None = None) -> int:
    """Create any default schedule that does not exist (by name). Idempotent; returns how many were added."""
    clock, _ = _clock(settings, now)
    rows = [
        Schedule(
            name=spec.name,
            kind=spec.kind,
            cron=spec.cron,
            enabled=True,
            next_run_at=calc.next_fire(spec.cron, clock),
            updated_at=clock,
        )
        for spec in calc.KINDS.values()
    ]
    async with write_transaction():
        added = (
            await Schedule.insert(*rows).on_conflict(target=Schedule.name, action="DO NOTHING").returning(Schedule.id)
        )
    return len(added)


async def schedules() -> list[ScheduleRow]:
    return [_schedule_row(r) for r in await Schedule.select().order_by(Schedule.id)]


async def schedule(schedule_id: int) -> ScheduleRow:
    row = await Schedule.select().where(Schedule.id == schedule_id).first()
    if row is None:
        raise NotFoundException()
    return _schedule_row(row)


async def schedule_by_name(name: str) -> ScheduleRow | None:
    row = await Schedule.select().where(Schedule.name == name).first()
    return None if row is None else _schedule_row(row)


async def update_schedule(
    schedule_id: int, *, cron: str, enabled: bool, actor: str, account_id: int | None, settings: Settings, ip: str = ""
) -> ScheduleRow:
    """Change when a schedule runs and whether it is on. The cron must parse (CronError otherwise)."""
    calc.parse_cron(cron)
    cron = " ".join(cron.split())
    clock, _ = _clock(settings, None)
    async with write_transaction():
        old = await schedule(schedule_id)
        await Schedule.update(
            {
                Schedule.cron: cron,
                Schedule.enabled: enabled,
                Schedule.next_run_at: calc.next_fire(cron, clock),
                Schedule.updated_at: clock,
            }
        ).where(Schedule.id == schedule_id)
        await audit.record(
            "schedule.update",
            account_id=account_id,
            actor=actor,
            entity_type="schedule",
            entity_id=old.name,
            detail={"old": {"cron": old.cron, "enabled": old.enabled}, "new": {"cron": cron, "enabled": enabled}},
            ip=ip,
        )
    return await schedule(schedule_id)


async def claim(job: str, key: str, now: dt.datetime) -> bool:
    """True if this process may do (job, key): it inserted the claim, or took over one left by a dead run."""
    async with write_transaction():
        won = (
            await JobClaim.insert(JobClaim(job=job, key=key, claimed_at=now))
            .on_conflict(target=(JobClaim.job, JobClaim.key), action="DO NOTHING")
            .returning(JobClaim.id)
        )
        if won:
            return True
        taken = (
            await JobClaim.update({JobClaim.claimed_at: now})
            .where((JobClaim.job == job) & (JobClaim.key == key) & (JobClaim.claimed_at < now - CLAIM_STALE_AFTER))
            .returning(JobClaim.id)
        )
        return bool(taken)


# --- Runs ----------------------------------------------------------------------------------------


async def execute(
    settings: Settings,
    kind: str,
    *,
    job: str,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    fire_at: dt.datetime | None = None,
    trigger: str = "manual",
    actor: str = "system",
) -> RunResult:
    """Plan a job's emails and queue them (or, for a dry run, only say what would be queued)."""
    clock, today = _clock(settings, now)
    ctx = RunContext(settings=settings, now=clock, today=today, fire_at=fire_at or clock, dry_run=dry_run)
    result = RunResult(job=job, dry_run=dry_run)
    run_id = None
    if not dry_run:
        rows = await JobRun.insert(
            JobRun(job=job, trigger=trigger, fire_at=ctx.fire_at, started_at=clock, state="running", actor=actor)
        ).returning(JobRun.id)
        run_id = rows[0]["id"]
    try:
        plan = await PLANNERS[kind](ctx)
        result.emails, result.notes = plan.emails, plan.notes
        keys = [e.idempotency_key for e in plan.emails]
        if dry_run:
            existing = await outbox_service.existing_keys(keys)
            result.already_queued = len(existing)
            result.queued = len(keys) - len(existing)
        else:
            # Skip what is known to be queued already; the unique key still decides any race.
            existing = await outbox_service.existing_keys(keys)
            new = [e.row() for e in plan.emails if e.idempotency_key not in existing]
            result.queued = await outbox_service.enqueue_many(new, clock)
            result.already_queued = len(keys) - result.queued
    except Exception as exc:
        if run_id is not None:
            await JobRun.update(
                {
                    JobRun.state: "failed",
                    JobRun.finished_at: settings.now(),
                    JobRun.error: f"{type(exc).__name__}: {exc}",
                }
            ).where(JobRun.id == run_id)
        raise
    if run_id is not None:
        await JobRun.update(
            {
                JobRun.state: "done",
                JobRun.finished_at: settings.now() if now is None else clock,
                JobRun.emails_queued: result.queued,
                JobRun.emails_skipped: result.already_queued,
                JobRun.detail: json.dumps(result.notes),
            }
        ).where(JobRun.id == run_id)
    return result


async def run_schedule(
    settings: Settings,
    row: ScheduleRow,
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    trigger: str = "manual",
    actor: str = "system",
) -> RunResult:
    """Run a schedule now (by hand, or from the CLI): its emails for today, exactly once."""
    clock, _ = _clock(settings, now)
    result = await execute(settings, row.kind, job=row.name, dry_run=dry_run, now=now, trigger=trigger, actor=actor)
    if not dry_run:
        await Schedule.update({Schedule.last_run_at: clock}).where(Schedule.id == row.id)
        await audit.record(
            "schedule.run",
            actor=actor,
            entity_type="schedule",
            entity_id=row.name,
            detail={"trigger": trigger, "queued": result.queued, "already_queued": result.already_queued},
        )
    return result


async def run_due_schedules(
    settings: Settings, now: dt.datetime | None = None, before_first: Callable[[], Awaitable[Any]] | None = None
) -> list[RunResult]:
    """The scheduler's tick: run each enabled schedule whose latest scheduled time has not been run.
    `before_first` runs once when any is due, before any is claimed (the scheduler scores the
    periods then, so a report never reads a period that opened since the last scoring tick)."""
    clock, _ = _clock(settings, now)
    due: list[tuple[ScheduleRow, dt.datetime]] = []
    for row in await schedules():
        if not row.enabled:
            continue
        try:
            fire = calc.is_due(row.cron, clock, row.last_fire_at)
        except calc.CronError:
            log.warning("schedule %s has an unreadable cron %r", row.name, row.cron)
            continue
        if fire is not None:
            due.append((row, fire))
    # Before any claim: if it fails, no schedule is left claimed but never run, and the next tick retries.
    if due and before_first is not None:
        await before_first()
    results = []
    for row, fire in due:
        if not await claim(row.name, fire.isoformat(), clock):
            results.append(RunResult(job=row.name, dry_run=False, skipped_reason="another process is running it"))
            continue
        result = await execute(settings, row.kind, job=row.name, now=now, fire_at=fire, trigger="schedule")
        await Schedule.update(
            {
                Schedule.last_run_at: clock,
                Schedule.last_fire_at: fire,
                Schedule.next_run_at: calc.next_fire(row.cron, clock),
            }
        ).where(Schedule.id == row.id)
        results.append(result)
    return results


async def deliver(settings: Settings, now: dt.datetime | None = None) -> delivery_service.DeliveryResult:
    """The sender's tick, logged as a job run when it did anything."""
    clock, _ = _clock(settings, now)
    result = await delivery_service.deliver(settings, now=now)
    if result.sent or result.failed or result.retrying or result.server_down:
        await JobRun.insert(
            JobRun(
                job=DELIVERY_JOB,
                trigger="schedule",
                fire_at=clock,
                started_at=clock,
                finished_at=clock,
                state="failed" if result.server_down and not result.sent else "done",
                emails_queued=result.sent,
                detail=json.dumps([result.summary()]),
                error="; ".join(result.errors[:3]),
            )
        )
    return result


async def recent_runs(job: str = "", limit: int = 20) -> list[JobRunRow]:
    query = JobRun.select().order_by(JobRun.id, ascending=False).limit(limit)
    if job:
        query = query.where(JobRun.job == job)
    return [_run_row(r) for r in await query]


async def last_runs() -> dict[str, JobRunRow]:
    """Each job's latest run."""
    rows = await fetch(
        "SELECT j.job, j.state, j.started_at, j.finished_at, j.emails_queued, j.trigger FROM job_run j "
        "WHERE j.id = (SELECT max(id) FROM job_run k WHERE k.job = j.job) ORDER BY j.job"
    )
    return {r["job"]: _run_row(r) for r in rows}


async def recipients_for(
    user_email: str, role: str, ccg_id: int | None, region_id: int | None, practice_ids: frozenset[int]
) -> Recipient:
    """What a signed-in person receives: the kinds for their role, and their organisations' contact addresses."""
    contacts: list[OrganisationContact] = []
    if practice_ids:
        practices = sorted(
            (await organisations.practice_contacts(set(practice_ids))).values(), key=lambda p: p.ods_code
        )
        contacts += [OrganisationContact(p.ods_code, p.name, p.contact_email) for p in practices]
    if ccg_id:
        ccgs = [c for c in await organisations.ccg_contacts() if c.id == ccg_id]
        contacts += [OrganisationContact(c.code, c.name, c.contact_email) for c in ccgs]
    schedules_by_kind = {r.kind: r for r in await schedules()}
    return Recipient(contacts=contacts, schedules=schedules_by_kind)


# --- Demo ----------------------------------------------------------------------------------------

DEMO_CCG = "00K"
DEMO_DOMAIN = "demo.paperless-tracker.test"


async def seed_demo(settings: Settings, today: dt.date) -> list[RunResult]:
    """Default schedules, contact addresses for the demo CCG and its practices, and one run of every
    schedule as at `today` 09:00 UK time. Without a mail server the emails stay in the outbox, so
    the Sent emails page shows what would have gone out."""
    now = dt.datetime.combine(today, dt.time(9, 0), tzinfo=calc.LONDON).astimezone(dt.UTC)
    await ensure_default_schedules(settings, now)
    await organisations.fill_blank_contact_emails(
        DEMO_CCG,
        f"gp-it.{DEMO_CCG.lower()}@{DEMO_DOMAIN}",
        lambda ods_code: f"manager.{ods_code.lower()}@{DEMO_DOMAIN}",
    )
    return await run_due_schedules(settings, now)
