"""Notifications: schedules, sent emails and delivery failures (administrators only); "emails you
receive" for anyone signed in, and one email only for the person it was sent to."""

import datetime as dt
import itertools

from tests.route_matrix.matrix import Entry, any_org, everyone, own_org
from tracker.accounts.principal import Role
from tracker.tables import OutboxEmail, Schedule

ADMINS = any_org(Role.ADMIN)
_SEQ = itertools.count(1)


async def _schedule(tree):
    """The practice reminders' schedule (the same row for every cell)."""
    await Schedule.insert(
        Schedule(name="practice-reminders", kind="practice_reminder", cron="0 7 * * *", enabled=True)
    ).on_conflict(target=Schedule.name, action="DO NOTHING")
    row = await Schedule.select(Schedule.id).where(Schedule.name == "practice-reminders").first()
    return {"schedule_id": row["id"]}


async def _email(tree, state="sent"):
    """An email to the own practice user (A81001's)."""
    now = dt.datetime(2018, 4, 20, tzinfo=dt.UTC)
    rows = await OutboxEmail.insert(
        OutboxEmail(
            idempotency_key=f"matrix:{state}:{next(_SEQ)}",
            kind="practice_reminder",
            to_address=tree["users"][Role.PRACTICE]["email"],
            subject="Return due in 10 days: 2017/18 Q4, A81001 The Densham Surgery",
            body_text="Open the return.",
            body_html="<html><body><p>Open the return.</p></body></html>",
            state=state,
            created_at=now,
        )
    ).returning(OutboxEmail.id)
    return {"email_id": rows[0]["id"]}


async def _kind(tree):
    return {"kind": "alert_digest"}


async def _failed_email(tree):
    return await _email(tree, "failed")


ENTRIES = [
    Entry("GET", "/admin/schedules", allow=ADMINS),
    Entry("GET", "/admin/schedules/{schedule_id:int}", allow=ADMINS, params=_schedule),
    Entry(
        "POST",
        "/admin/schedules/{schedule_id:int}",
        allow=ADMINS,
        params=_schedule,
        form=lambda t: {"cron": "0 7 * * 1", "enabled": "yes"},
    ),
    Entry("POST", "/admin/schedules/{schedule_id:int}/run", allow=ADMINS, params=_schedule),
    Entry("GET", "/admin/schedules/{schedule_id:int}/preview", allow=ADMINS, params=_schedule),
    Entry("GET", "/admin/schedules/emails/{kind:str}", allow=ADMINS, params=_kind),
    Entry("GET", "/admin/emails", allow=ADMINS),
    Entry("GET", "/admin/emails/{email_id:int}", allow=ADMINS, params=_email),
    Entry("GET", "/admin/email-failures", allow=ADMINS),
    Entry("POST", "/admin/emails/{email_id:int}/retry", allow=ADMINS, params=_failed_email),
    Entry("GET", "/account/emails", allow=everyone()),
    Entry(
        "GET",
        "/account/emails/{email_id:int}",
        allow=own_org(Role.PRACTICE),
        params=_email,
        note="only the person the email was sent to",
    ),
]
