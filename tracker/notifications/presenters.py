"""View models for the schedules, sent emails and "emails you receive" pages. Pure."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from tracker.notifications import calculations as calc
from tracker.web.formatting import date_time, number

if TYPE_CHECKING:
    from tracker.notifications.outbox_service import OutboxListRow, OutboxRow
    from tracker.notifications.planning import PlannedEmail
    from tracker.notifications.service import JobRunRow, ScheduleRow

STATE_LABELS = {
    "queued": ("Queued", "nhsuk-tag--blue"),
    "sending": ("Sending", "nhsuk-tag--yellow"),
    "sent": ("Sent", "nhsuk-tag--green"),
    "failed": ("Failed", "nhsuk-tag--red"),
}
RUN_LABELS = {
    "running": ("Running", "nhsuk-tag--yellow"),
    "done": ("Done", "nhsuk-tag--green"),
    "failed": ("Failed", "nhsuk-tag--red"),
    "skipped": ("Skipped", "nhsuk-tag--grey"),
}
OTHER_KINDS = {
    "deliver-emails": "Email delivery",
    "reminder": "Practice reminder and overdue reminder",
    "chase_reminder": "Reminder sent by the CCG",
    "account_invitation": "Invitation",
    "password_reset": "Password reset",
}

# Which kinds of email each role receives (for "emails you receive").
ROLE_KINDS = {
    "practice": ("practice_reminder", "overdue_reminder"),
    "ccg": ("ccg_report", "alert_digest"),
    "region": ("region_summary", "alert_digest"),
    "national": ("national_summary", "alert_digest"),
    "admin": (),
}


def kind_label(kind: str) -> str:
    spec = calc.KINDS.get(kind)
    return spec.label if spec else OTHER_KINDS.get(kind, kind.replace("_", " ").capitalize())


def _local(value: dt.datetime | str | None) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(calc.LONDON)


def when(value: dt.datetime | str | None) -> str:
    """A time as people in England read it (Europe/London), or 'never'."""
    local = _local(value)
    return "never" if local is None else date_time(local)


def _tag(label: str, classes: str) -> str:
    return f'<strong class="nhsuk-tag {classes}">{escape(label)}</strong>'


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def cron_text(cron: str) -> str:
    try:
        return calc.describe_cron(cron)
    except calc.CronError:
        return f"not understood ({cron})"


def next_run(r: ScheduleRow, now: dt.datetime) -> str:
    """When the schedule next fires after `now` (from its cron, so it is right whether or not a
    scheduler is running), or a reason it will not."""
    if not r.enabled:
        return "Not while it is off"
    try:
        return when(calc.next_fire(r.cron, now))
    except calc.CronError:
        return "never (the time is not understood)"


def schedule_rows(rows: list[ScheduleRow], now: dt.datetime) -> list[list[dict[str, str]]]:
    out = []
    for r in rows:
        label = kind_label(r.kind)
        out.append(
            [
                {
                    "html": f'<a href="/admin/schedules/{r.id}">{escape(label)}</a><br><span class="nhsuk-body-s">{escape(r.name)}</span>'
                },
                {"text": _first_upper(cron_text(r.cron))},
                {"html": _tag("On", "nhsuk-tag--green") if r.enabled else _tag("Off", "nhsuk-tag--grey")},
                {"text": when(r.last_run_at)},
                {"text": next_run(r, now)},
                {
                    "html": f'<a href="/admin/schedules/{r.id}/preview">Preview'
                    f'<span class="nhsuk-u-visually-hidden"> the emails of {escape(r.name)}</span></a>'
                },
            ]
        )
    return out


def schedule_summary(r: ScheduleRow, now: dt.datetime) -> list[dict[str, Any]]:
    spec = calc.KINDS.get(r.kind)
    return [
        {"key": {"text": "What"}, "value": {"text": kind_label(r.kind)}},
        {"key": {"text": "What it sends"}, "value": {"text": spec.description if spec else ""}},
        {
            "key": {"text": "When"},
            "value": {"text": f"{_first_upper(cron_text(r.cron))} (UK time; cron {r.cron})"},
        },
        {"key": {"text": "Enabled"}, "value": {"text": "Yes" if r.enabled else "No"}},
        {"key": {"text": "Last run"}, "value": {"text": when(r.last_run_at)}},
        {
            "key": {"text": "Next run"},
            "value": {"text": next_run(r, now)},
        },
    ]


def run_rows(rows: list[JobRunRow]) -> list[list[dict[str, str]]]:
    out = []
    for r in rows:
        label, classes = RUN_LABELS.get(r.state, (r.state, "nhsuk-tag--grey"))
        notes = "; ".join(json.loads(r.detail)) if r.detail.startswith("[") else r.detail
        out.append(
            [
                {"text": r.job},
                {"text": when(r.started_at)},
                {"text": r.trigger},
                {"html": _tag(label, classes)},
                {"text": number(r.emails_queued), "format": "numeric"},
                {"text": (r.error or notes)[:200]},
            ]
        )
    return out


def email_rows(rows: list[OutboxListRow], base: str = "/admin/emails") -> list[list[dict[str, str]]]:
    out = []
    for r in rows:
        label, classes = STATE_LABELS.get(r.state, (r.state, "nhsuk-tag--grey"))
        attachment = " (with workbook)" if r.attachment_name else ""
        out.append(
            [
                {"html": f'<a href="{base}/{r.id}">{escape(r.subject)}</a>{escape(attachment)}'},
                {"text": r.to_address},
                {"text": kind_label(r.kind)},
                {"html": _tag(label, classes)},
                {"text": when(r.sent_at or r.created_at)},
            ]
        )
    return out


def failure_rows(rows: list[OutboxListRow]) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "subject": r.subject,
            "to": r.to_address,
            "attempts": r.attempts,
            "error": r.last_error,
            "when": when(r.next_attempt_at),
        }
        for r in rows
    ]


def state_counts(counts: dict[str, int]) -> list[dict[str, str]]:
    return [
        {"label": STATE_LABELS[s][0], "count": number(counts.get(s, 0)), "href": f"/admin/emails?state={s}"}
        for s in ("queued", "sending", "sent", "failed")
    ]


_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL)
_STYLE = re.compile(r'\sstyle="[^"]*"')


def email_body(html: str) -> Markup:
    """The HTML part's body for showing inside a page: the tracker's own markup, every value in it
    escaped when the email was built; inline styles dropped (the page's CSP forbids them)."""
    match = _BODY.search(html)
    body = match.group(1) if match else ""
    return Markup(_STYLE.sub("", body))  # noqa: S704 (rendered by tracker.notifications.render from autoescaped templates)


def email_summary(r: OutboxRow) -> list[dict[str, Any]]:
    label, _ = STATE_LABELS.get(r.state, (r.state, ""))
    rows = [
        {"key": {"text": "To"}, "value": {"text": r.to_address}},
        {"key": {"text": "Subject"}, "value": {"text": r.subject}},
        {"key": {"text": "Kind"}, "value": {"text": kind_label(r.kind)}},
        {"key": {"text": "State"}, "value": {"text": label}},
        {"key": {"text": "Queued"}, "value": {"text": when(r.created_at)}},
        {"key": {"text": "Sent"}, "value": {"text": when(r.sent_at)}},
        {"key": {"text": "Attempts"}, "value": {"text": str(r.attempts)}},
        {"key": {"text": "Attachment"}, "value": {"text": r.attachment_name or "No attachment"}},
    ]
    if r.last_error:
        rows.append({"key": {"text": "Last error"}, "value": {"text": r.last_error}})
    return rows


def preview_rows(emails: list[PlannedEmail], existing: set[str]) -> list[list[dict[str, str]]]:
    return [
        [
            {"text": e.organisation},
            {"text": e.to_address},
            {"text": e.subject},
            {
                "html": _tag("Already sent or queued", "nhsuk-tag--grey")
                if e.idempotency_key in existing
                else _tag("New", "nhsuk-tag--blue")
            },
        ]
        for e in emails
    ]


def receives(role: str, schedules_by_kind: dict[str, ScheduleRow]) -> list[dict[str, Any]]:
    """The emails a person with this role receives, and when."""
    out = []
    for kind in ROLE_KINDS.get(role, ()):
        spec = calc.KINDS[kind]
        row = schedules_by_kind.get(kind)
        timing = cron_text(row.cron) if row else cron_text(spec.cron)
        enabled = row.enabled if row else True
        out.append({"label": spec.label, "description": spec.description, "when": timing, "enabled": enabled})
    return out


def pages(total: int, page: int, per_page: int, base: str) -> dict[str, Any]:
    last = max(1, -(-total // per_page))
    sep = "&" if "?" in base else "?"
    return {
        "previous": {"href": f"{base}{sep}page={page - 1}", "text": "Newer emails"} if page > 1 else None,
        "next": {"href": f"{base}{sep}page={page + 1}", "text": "Older emails"} if page < last else None,
        "page": page,
        "last": last,
    }


def example_links(kinds: list[str]) -> list[dict[str, str]]:
    """Links to an example of every kind of email, for the schedules page."""
    return [{"href": f"/admin/schedules/emails/{k}", "text": kind_label(k)} for k in kinds]
