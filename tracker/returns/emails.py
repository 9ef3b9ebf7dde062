"""Emails to a practice about its own return: returned by its CCG (with the reason) or approved.

Each email's subject, plain text and HTML are Jinja templates under templates/emails/
(`<name>.subject.txt`, `<name>.txt`, `<name>.html`; the HTML part is autoescaped). They are queued
through the outbox in the same transaction as the decision, one per practice user, under a key
naming the return's new version: a retried or repeated request never queues one twice.
"""

from __future__ import annotations

from typing import Any

from tracker.accounts import users_service
from tracker.notifications import outbox_service
from tracker.notifications import render as email_templates
from tracker.organisations import service as organisations
from tracker.organisations.presenters import practice_title
from tracker.returns import calculations as calc
from tracker.returns import lifecycle
from tracker.web.formatting import long_date

# A reopened return goes back to the practice for a correction, as a returned one does.
KINDS = {
    lifecycle.Event.RETURN: "return_returned",
    lifecycle.Event.REOPEN: "return_returned",
    lifecycle.Event.APPROVE: "return_approved",
}


def render(name: str, context: dict[str, Any]) -> email_templates.Email:
    """templates/emails/<name>.{subject.txt,txt,html} with `context`, by the one email renderer."""
    return email_templates.render(name, **context)


def decision_context(change: lifecycle.Change, practice_name: str, ccg_name: str, base_url: str) -> dict[str, Any]:
    period = change.period
    path = f"/practices/{change.practice['ods_code']}/returns/{calc.url_code(period.code)}"
    return {
        "practice_name": practice_name,
        "ods_code": change.practice["ods_code"],
        "ccg_name": ccg_name or "Your CCG",
        "period_label": period.code.replace("-", " "),
        "reason": change.reason,
        "lock_date": long_date(period.locks_on),
        "link": base_url.rstrip("/") + path,
    }


def idempotency_key(kind: str, outcome: lifecycle.Outcome, address: str) -> str:
    """One email per decision per person: the version the decision made is in the key."""
    change = outcome.change
    return f"{kind}:{change.practice['ods_code']}:{change.period.code}:v{change.version + 1}:{address.lower()}"


async def queue_decisions(outcomes: list[lifecycle.Outcome], *, ccg_name: str, base_url: str) -> int:
    """Queue the emails of the approvals and returns among `outcomes`; how many were new."""
    done = [o for o in outcomes if o.ok and o.change.event in KINDS]
    if not done:
        return 0
    names = await organisations.practice_names({o.change.practice["id"] for o in done})
    addresses = await users_service.practice_users_emails(sorted({o.change.practice["id"] for o in done}))
    queued = 0
    for outcome in done:
        change = outcome.change
        kind = KINDS[change.event]
        known = names.get(change.practice["id"])
        practice_name = practice_title(known.name) if known else change.practice["ods_code"]
        email = render(kind, decision_context(change, practice_name, ccg_name, base_url))
        for address in addresses.get(change.practice["id"], []):
            queued += await outbox_service.enqueue(
                idempotency_key=idempotency_key(kind, outcome, address),
                kind=kind,
                to_address=address,
                subject=email.subject,
                body_text=email.text,
                body_html=email.html,
                practice_id=change.practice["id"],
                period_id=change.period.id,
            )
    return queued
