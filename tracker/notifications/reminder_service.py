"""Practice reminders: which practices are due which reminder today, to whom, saying what.

Everything is derived from the database on the tracker's date: a period is chased from 14 days
before its due date until it locks, and a practice stops being chased the moment its return is in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from tracker.accounts import users_service as accounts
from tracker.indicators import service as indicators
from tracker.notifications import calculations as calc
from tracker.notifications import messages, subscriptions_service
from tracker.notifications.planning import Plan, PlannedEmail, RunContext
from tracker.organisations import service as organisations
from tracker.organisations.presenters import practice_title
from tracker.periods import service as periods
from tracker.periods.service import PeriodRow
from tracker.returns import facts_service as return_facts
from tracker.returns.calculations import url_code


@dataclass(frozen=True, slots=True)
class LabelledPeriod:
    """A period as reminders and reports name it: its dates, and the label emails give it."""

    id: int
    code: str
    financial_year: str
    end_date: dt.date
    due_on: dt.date
    locks_on: dt.date
    label: str

    @classmethod
    def of(cls, p: PeriodRow, label: str) -> LabelledPeriod:
        return cls(p.id, p.code, p.financial_year, p.end_date, p.due_on, p.locks_on, label)


class OutstandingPractice(NamedTuple):
    """An active practice whose return for a period is not in, and how far it got. A tuple: a run
    reads thousands."""

    id: int
    ods_code: str
    name: str
    contact_email: str | None
    ccg_id: int | None
    region_id: int | None
    return_id: int | None
    state: str | None


def period_label(p: PeriodRow) -> str:
    return f"{p.financial_year} Q{p.quarter}"


async def chased_periods(today: dt.date) -> list[LabelledPeriod]:
    """Periods whose reminders may run today: the first reminder has fallen due and they have not locked."""
    first = max(calc.DAYS_BEFORE)
    return [
        LabelledPeriod.of(p, period_label(p))
        for p in await period_dates()
        if p.opens_on <= today < p.locks_on and p.due_on - dt.timedelta(days=first) <= today
    ]


async def period_dates() -> list[PeriodRow]:
    """Every period, oldest first."""
    return await periods.all_periods()


async def outstanding(period: LabelledPeriod) -> list[OutstandingPractice]:
    """Active practices (open by the period's end) whose return for the period is not in."""
    returns = await return_facts.period_progress(period.id)
    in_ = {r.practice_id for r in returns if calc.is_in(r.state, ever_submitted=r.ever_submitted)}
    started = {r.practice_id: r for r in returns if r.practice_id not in in_}
    out = []
    # Those whose return is in are left out by the read: most practices, at the end of a period.
    for p in await organisations.active_practice_contacts(period.end_date, leaving_out=in_):
        r = started.get(p.id)
        out.append(
            OutstandingPractice(
                p.id,
                p.ods_code,
                p.name,
                p.contact_email,
                p.ccg_id,
                p.region_id,
                None if r is None else r.id,
                None if r is None else r.state,
            )
        )
    return out


def addresses(users: list[str], contact_email: str | None) -> list[str]:
    """The users, then the organisation's contact address if it is not one of them."""
    out = list(dict.fromkeys(u.lower() for u in users))
    contact = (contact_email or "").strip().lower()
    if contact and contact not in out:
        out.append(contact)
    return out


async def practice_addresses(practice_ids: list[int]) -> dict[int, list[str]]:
    """Practice id -> everyone a reminder to it goes to: its enabled users, then its contact address."""
    if not practice_ids:
        return {}
    contacts = await organisations.practice_contacts(set(practice_ids))
    users = await accounts.practice_users_emails()
    return {i: addresses(users.get(i, []), p.contact_email) for i, p in contacts.items()}


async def missing_indicators(period_id: int) -> tuple[list[tuple[int, str]], dict[int, set[int]]]:
    """The active indicators' names (in order), and for each started return the indicators it answered."""
    ids = await indicators.indicator_ids()
    active = sorted(await indicators.active_indicators(), key=lambda i: (i.sort_order, i.code))
    return [(ids[i.code], i.name) for i in active], await return_facts.answered_indicators(period_id)


async def plan(ctx: RunContext, kind: str) -> Plan:
    """The reminders of one kind (practice_reminder or overdue_reminder) due on the tracker's date."""
    result = Plan()
    periods = await chased_periods(ctx.today)
    if not periods:
        result.notes.append("No period is being chased today.")
        return result
    recipients = await accounts.practice_users_emails()
    left = await subscriptions_service.leavers("reminders")
    for period in periods:
        step = calc.current_step(period.due_on, period.locks_on, ctx.today)
        if step is None or step.kind != kind:
            result.notes.append(f"{period.label}: no {calc.KINDS[kind].label.lower()} due today.")
            continue
        indicators, answered = await missing_indicators(period.id)
        practices = await outstanding(period)
        days_left = (period.due_on - ctx.today).days
        returns_path = f"/returns/{url_code(period.code)}"
        # The reminders of one shape (state and missing answers) are filled in from one stencil.
        shapes: dict[tuple[str | None, tuple[str, ...]], messages.Reminders] = {}
        no_address = 0
        for p in practices:
            to = addresses(recipients.get(p.id, []), p.contact_email)
            if not to:
                no_address += 1
                continue
            to = [a for a in to if a not in left]
            done = answered.get(p.return_id, set()) if p.return_id else set()
            missing = tuple([name for ind_id, name in indicators if ind_id not in done] if p.return_id else [])
            alike = shapes.get((p.state, missing))
            if alike is None:
                alike = shapes[p.state, missing] = messages.reminders(
                    period_label=period.label,
                    due_on=period.due_on,
                    days_left=days_left,
                    state=p.state,
                    missing=list(missing),
                )
            name = practice_title(p.name)
            link = ctx.link(f"/practices/{p.ods_code}{returns_path}")
            organisation = f"{p.ods_code} {name}"
            for address in to:
                # Filled in for each address: its footer's leave link is that address's own.
                email = alike.reminder(
                    ods_code=p.ods_code, practice_name=name, link=link, leave_link=ctx.leave_link(address, kind)
                )
                result.emails.append(
                    PlannedEmail(
                        idempotency_key=calc.reminder_key(p.ods_code, period.code, step.key, address),
                        kind=kind,
                        to_address=address,
                        subject=email.subject,
                        body_text=email.text,
                        body_html=email.html,
                        practice_id=p.id,
                        ccg_id=p.ccg_id,
                        period_id=period.id,
                        organisation=organisation,
                    )
                )
        result.notes.append(
            f"{period.label}: step {step.key}; {len(practices):,} practices without a return,"
            f" {no_address:,} of them with no one to email."
        )
    return result
