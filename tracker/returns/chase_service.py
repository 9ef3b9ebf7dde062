"""Chasing from the CCG's grid: a reminder sent now to chosen practices whose return for the open
period is outstanding, previewed first, queued through the outbox at most once per practice a day
(the key names the practice, the period and the UK date), and audited."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

from tracker.audit import service as audit
from tracker.figures import rules
from tracker.notifications import calculations as notify_calc
from tracker.notifications import leaving, messages, outbox_service, reminder_service, subscriptions_service
from tracker.notifications.render import Email
from tracker.organisations.presenters import practice_title
from tracker.periods.service import PeriodRow
from tracker.returns import review_service
from tracker.returns.calculations import url_code
from tracker.returns.review_service import GridRow

KIND = "chase_reminder"


@dataclass
class Target:
    """One chosen practice: who its reminder goes to and the email exactly as it will go."""

    practice_id: int
    ods_code: str
    name: str
    to: list[str]
    email: Email  # as the first address gets it (the preview shows it)
    keys: list[str]
    already: bool = False  # reminded by the CCG today already
    # One per address of `to`: each carries its own link to stop getting reminders.
    emails: list[Email] = field(default_factory=list)


@dataclass
class Chase:
    ccg_id: int
    period: PeriodRow | None
    day: dt.date
    targets: list[Target] = field(default_factory=list)
    not_outstanding: list[str] = field(default_factory=list)  # own practices whose return is in
    foreign: list[str] = field(default_factory=list)  # codes that are not this CCG's practices

    @property
    def sendable(self) -> list[Target]:
        return [t for t in self.targets if t.to and not t.already]

    @property
    def no_address(self) -> list[Target]:
        return [t for t in self.targets if not t.to]

    @property
    def already(self) -> list[Target]:
        return [t for t in self.targets if t.to and t.already]


@dataclass
class Sent:
    queued: list[str] = field(default_factory=list)  # practice codes
    emails: int = 0
    already: list[str] = field(default_factory=list)
    no_address: list[str] = field(default_factory=list)


def chase_day(now: dt.datetime) -> dt.date:
    """The UK date of a moment (naive times are UTC): the day of 'at most one chase a day'."""
    when = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    return when.astimezone(rules.UK).date()


def choose(rows: Sequence[GridRow], codes: list[str] | None) -> tuple[list[GridRow], list[str], list[str]]:
    """(the grid's rows to chase, own codes whose return is not outstanding, codes not the CCG's).
    `codes` None means every practice with an outstanding return. Pure."""
    if codes is None:
        return [r for r in rows if r.outstanding], [], []
    by_code = {r.ods_code: r for r in rows}
    chosen: list[GridRow] = []
    not_outstanding: list[str] = []
    foreign: list[str] = []
    for code in dict.fromkeys(c.strip().upper() for c in codes if c.strip()):
        r = by_code.get(code)
        if r is None:
            foreign.append(code)
        elif r.outstanding:
            chosen.append(r)
        else:
            not_outstanding.append(code)
    return chosen, not_outstanding, foreign


async def plan(
    ccg_id: int, codes: list[str] | None, *, today: dt.date, now: dt.datetime, base_url: str, secret: str
) -> Chase:
    """The reminders a chase of these practices (None: every outstanding one) would send now."""
    grid = await review_service.grid(ccg_id, today)
    period = grid.open_period
    chase = Chase(ccg_id=ccg_id, period=period, day=chase_day(now))
    chosen, chase.not_outstanding, chase.foreign = choose(grid.rows, codes)
    if period is None or chase.foreign or not chosen:
        return chase
    due_on = period.due_on
    label = f"{period.financial_year} Q{period.quarter}"
    column = grid.column(period.id)
    recipients = await reminder_service.practice_addresses([r.practice_id for r in chosen])
    # A chase is a reminder: an address that left reminders is not sent one by hand either.
    left = await subscriptions_service.leavers("reminders")
    indicators, answered = await reminder_service.missing_indicators(period.id)
    for r in chosen:
        cell = r.cells[column]
        return_id = cell.return_id
        done = answered.get(return_id, set()) if return_id else set()
        missing = [name for ind_id, name in indicators if ind_id not in done] if return_id else []
        name = practice_title(r.name)

        reminder = functools.partial(
            messages.reminder,
            ods_code=r.ods_code,
            practice_name=name,
            period_label=label,
            due_on=due_on,
            days_left=(due_on - today).days,
            state=cell.return_state,
            missing=missing,
            link=base_url.rstrip("/") + f"/practices/{r.ods_code}/returns/{url_code(period.code)}",
        )
        to = [a for a in recipients.get(r.practice_id, []) if a not in left]
        keys = [notify_calc.chase_key(r.ods_code, period.code, chase.day, a) for a in to]
        emails = [reminder(leave_link=leaving.link(base_url, secret, a, KIND)) for a in to]
        chase.targets.append(
            Target(r.practice_id, r.ods_code, name, to, emails[0] if emails else reminder(), keys, emails=emails)
        )
    existing = await outbox_service.existing_keys([k for t in chase.targets for k in t.keys])
    for t in chase.targets:
        t.already = any(k in existing for k in t.keys)
    return chase


async def send(chase: Chase, *, account_id: int | None, actor: str, ip: str = "") -> Sent:
    """Queue each practice's reminder (none for a practice already chased today) and audit the chase."""
    sent = Sent(no_address=[t.ods_code for t in chase.no_address])
    period = chase.period
    if period is None:
        return sent
    for t in chase.targets:
        if not t.to:
            continue
        if t.already or await outbox_service.existing_keys(t.keys):
            sent.already.append(t.ods_code)
            continue
        rows = [
            {
                "idempotency_key": key,
                "kind": KIND,
                "to_address": address,
                "subject": email.subject,
                "body_text": email.text,
                "body_html": email.html,
                "practice": t.practice_id,
                "ccg": chase.ccg_id,
                "period": period["id"],
            }
            for key, address, email in zip(t.keys, t.to, t.emails, strict=True)
        ]
        queued = await outbox_service.enqueue_many(rows)
        if queued:
            sent.queued.append(t.ods_code)
            sent.emails += queued
        else:
            sent.already.append(t.ods_code)
    await audit.record(
        "review.chase",
        account_id=account_id,
        actor=actor,
        entity_type="ccg",
        entity_id=chase.ccg_id,
        detail={
            "period": period["code"],
            "day": chase.day.isoformat(),
            "reminded": sent.queued,
            "already_reminded_today": sent.already,
            "no_one_to_email": sent.no_address,
        },
        ip=ip,
    )
    return sent
