"""Practice reminders: which practices are due which reminder today, to whom, saying what.

Everything is derived from the database on the tracker's date: a period is chased from 14 days
before its due date until it locks, and a practice stops being chased the moment its return is in.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from tracker.db import fetch
from tracker.notifications import calculations as calc
from tracker.notifications import messages
from tracker.notifications.planning import Plan, PlannedEmail, RunContext
from tracker.organisations.presenters import practice_title
from tracker.returns.calculations import url_code


async def chased_periods(today: dt.date) -> list[dict[str, Any]]:
    """Periods whose reminders may run today: the first reminder has fallen due and they have not locked."""
    first = max(calc.DAYS_BEFORE)
    rows = await fetch(
        "SELECT id, code, financial_year, quarter, end_date, due_on, locks_on FROM period "
        "WHERE opens_on <= {} AND locks_on > {} ORDER BY start_date",
        today,
        today,
    )
    for r in rows:
        for k in ("end_date", "due_on", "locks_on"):
            r[k] = _date(r[k])
        r["label"] = f"{r['financial_year']} Q{r['quarter']}"
    return [r for r in rows if r["due_on"] - dt.timedelta(days=first) <= today]


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


async def outstanding(period: dict[str, Any]) -> list[dict[str, Any]]:
    """Active practices (open by the period's end) whose return for the period is not in."""
    rows = await fetch(
        "SELECT p.id, p.ods_code, p.name, p.contact_email, p.ccg AS ccg_id, p.region AS region_id, "
        "r.id AS return_id, r.state, r.first_submitted_at "
        "FROM practice p LEFT JOIN practice_return r ON r.practice = p.id AND r.period = {} "
        "WHERE p.status = 'A' AND (p.open_date IS NULL OR p.open_date <= {}) ORDER BY p.ods_code",
        period["id"],
        period["end_date"],
    )
    return [r for r in rows if not calc.return_is_in(r["state"], r["first_submitted_at"])]


async def practice_recipients() -> dict[int, list[str]]:
    """Practice id -> the email addresses of its enabled practice users."""
    rows = await fetch(
        "SELECT ap.practice AS practice_id, a.email FROM account_practice ap JOIN account a ON a.id = ap.account "
        "WHERE a.role = 'practice' AND a.disabled = {} ORDER BY a.email",
        False,
    )
    out: dict[int, list[str]] = defaultdict(list)
    for r in rows:
        out[r["practice_id"]].append(r["email"].lower())
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
    placeholders = ", ".join("{}" for _ in practice_ids)
    rows = await fetch(
        f"SELECT id, contact_email FROM practice WHERE id IN ({placeholders})",  # noqa: S608 (placeholders only)
        *practice_ids,
    )
    users = await practice_recipients()
    return {r["id"]: addresses(users.get(r["id"], []), r["contact_email"]) for r in rows}


async def missing_indicators(period_id: int) -> tuple[list[tuple[int, str]], dict[int, set[int]]]:
    """The active indicators' names (in order), and for each started return the indicators it answered."""
    indicators = await fetch("SELECT id, name FROM indicator WHERE active = {} ORDER BY sort_order, code", True)
    answered = await fetch(
        "SELECT rv.practice_return AS return_id, rv.indicator AS indicator_id FROM return_value rv "
        "JOIN practice_return r ON r.id = rv.practice_return "
        "WHERE r.period = {} AND r.state IN ('draft', 'returned') AND rv.value IS NOT NULL",
        period_id,
    )
    by_return: dict[int, set[int]] = defaultdict(set)
    for a in answered:
        by_return[a["return_id"]].add(a["indicator_id"])
    return [(i["id"], i["name"]) for i in indicators], by_return


async def plan(ctx: RunContext, kind: str) -> Plan:
    """The reminders of one kind (practice_reminder or overdue_reminder) due on the tracker's date."""
    result = Plan()
    periods = await chased_periods(ctx.today)
    if not periods:
        result.notes.append("No period is being chased today.")
        return result
    recipients = await practice_recipients()
    for period in periods:
        step = calc.current_step(period["due_on"], period["locks_on"], ctx.today)
        if step is None or step.kind != kind:
            result.notes.append(f"{period['label']}: no {calc.KINDS[kind].label.lower()} due today.")
            continue
        indicators, answered = await missing_indicators(period["id"])
        practices = await outstanding(period)
        days_left = (period["due_on"] - ctx.today).days
        no_address = 0
        for p in practices:
            to = addresses(recipients.get(p["id"], []), p["contact_email"])
            if not to:
                no_address += 1
                continue
            done = answered.get(p["return_id"], set()) if p["return_id"] else set()
            missing = [name for ind_id, name in indicators if ind_id not in done] if p["return_id"] else []
            name = practice_title(p["name"])
            email = messages.reminder(
                ods_code=p["ods_code"],
                practice_name=name,
                period_label=period["label"],
                due_on=period["due_on"],
                days_left=days_left,
                state=p["state"],
                missing=missing,
                link=ctx.link(f"/practices/{p['ods_code']}/returns/{url_code(period['code'])}"),
            )
            for address in to:
                result.emails.append(
                    PlannedEmail(
                        idempotency_key=calc.reminder_key(p["ods_code"], period["code"], step.key, address),
                        kind=kind,
                        to_address=address,
                        subject=email.subject,
                        body_text=email.text,
                        body_html=email.html,
                        practice_id=p["id"],
                        ccg_id=p["ccg_id"],
                        period_id=period["id"],
                        organisation=f"{p['ods_code']} {name}",
                    )
                )
        result.notes.append(
            f"{period['label']}: step {step.key}; {len(practices):,} practices without a return,"
            f" {no_address:,} of them with no one to email."
        )
    return result
