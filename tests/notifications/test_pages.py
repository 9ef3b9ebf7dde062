"""The administrators' pages (schedules, run now, preview, sent emails, failures) and "emails you receive"."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient

from tests.conftest import post_form, sign_in
from tests.pages import check_page, h1
from tracker.notifications import service
from tracker.settings import Settings
from tracker.tables import AuditEvent, OutboxEmail, Schedule


async def _schedule_id(name: str) -> int:
    row = await service.schedule_by_name(name)
    assert row is not None
    return row.id


async def test_schedules_are_seeded_and_described_in_plain_english(
    client: AsyncTestClient[Any], world: dict[str, Any]
) -> None:
    await sign_in(client, "admin@england.test")
    response = await client.get("/admin/schedules")
    assert response.status_code == 200
    check_page(response.text)
    assert h1(response.text) == "Schedules"
    for words in (
        "Every Monday at 07:00",
        "Every day at 07:00",
        "Every day at 07:15",
        "On the 1st of the month at 08:00",
        "On the 1st of the month at 08:30",
    ):
        assert words in response.text
    assert await Schedule.count() == 6
    # Seeding again adds nothing.
    await client.get("/admin/schedules")
    assert await Schedule.count() == 6


async def test_change_a_schedule_with_errors_then_correctly(
    client: AsyncTestClient[Any], world: dict[str, Any]
) -> None:
    await sign_in(client, "admin@england.test")
    await client.get("/admin/schedules")
    sid = await _schedule_id("ccg-status-report")
    path = f"/admin/schedules/{sid}"
    bad = await post_form(client, path, {"cron": "0 25 * * 1", "enabled": "yes"})
    assert bad.status_code == 422
    check_page(bad.text)
    assert "Hour must be between 0 and 23" in bad.text and 'value="0 25 * * 1"' in bad.text
    good = await post_form(client, path, {"cron": "30 6 * * 1-5", "enabled": "no"}, follow_redirects=False)
    assert good.status_code == 303
    page = await client.get(path + "?saved=1")
    assert "Every weekday at 06:30" in page.text and "Schedule saved." in page.text
    row = await service.schedule(sid)
    assert (row.cron, row.enabled) == ("30 6 * * 1-5", False)
    event = await AuditEvent.select().where(AuditEvent.action == "schedule.update").first()
    assert event["actor"] == "admin@england.test" and "0 7 * * 1" in event["detail"]


async def test_preview_then_run_now_then_read_the_emails(client: AsyncTestClient[Any], world: dict[str, Any]) -> None:
    await sign_in(client, "admin@england.test")
    await client.get("/admin/schedules")
    sid = await _schedule_id("practice-reminders")
    preview = await client.get(f"/admin/schedules/{sid}/preview")
    check_page(preview.text)
    assert "A run now would queue 2 new email(s)" in preview.text
    assert "Return due in 10 days: 2017/18 Q4, A81001 The Densham Surgery" in preview.text
    assert await OutboxEmail.count() == 0
    ran = await post_form(
        client, f"/admin/schedules/{sid}/run", {}, token_from=f"/admin/schedules/{sid}", follow_redirects=False
    )
    assert ran.status_code == 303 and ran.headers["location"].endswith("?ran=2")
    emails = await client.get("/admin/emails")
    check_page(emails.text)
    assert "No mail server is configured" in emails.text
    assert emails.text.count("Return due in 10 days") == 2
    email_id = (
        await OutboxEmail.select(OutboxEmail.id).where(OutboxEmail.to_address == "practice@a81001.test").first()
    )["id"]
    one = await client.get(f"/admin/emails/{email_id}")
    check_page(one.text)
    assert "You have not started this return yet." in one.text
    assert 'href="http://127.0.0.1:8000/practices/A81001/returns/2017-18-Q4"' in one.text
    assert "style=" not in one.text.split('class="tracker-email"')[1].split("</div>")[0]
    # Filters.
    queued = await client.get("/admin/emails?state=queued&kind=practice_reminder")
    assert queued.status_code == 200 and "2 email(s)" in queued.text


async def test_failures_page_and_retry(client: AsyncTestClient[Any], world: dict[str, Any], clean_db: Settings) -> None:
    await sign_in(client, "admin@england.test")
    await service.ensure_default_schedules(clean_db)
    row = await service.schedule_by_name("practice-reminders")
    await service.run_schedule(clean_db, row)  # type: ignore[arg-type]
    await OutboxEmail.update(
        {OutboxEmail.state: "failed", OutboxEmail.last_error: "550 No such user", OutboxEmail.attempts: 1}
    ).where(OutboxEmail.to_address == "manager@a81002.test")
    page = await client.get("/admin/email-failures")
    check_page(page.text)
    assert "550 No such user" in page.text and "manager@a81002.test" in page.text
    email_id = int(re.search(r'action="/admin/emails/(\d+)/retry"', page.text).group(1))  # type: ignore[union-attr]
    done = await post_form(
        client, f"/admin/emails/{email_id}/retry", {}, token_from="/admin/email-failures", follow_redirects=False
    )
    assert done.status_code == 303
    assert (await OutboxEmail.select(OutboxEmail.state).where(OutboxEmail.id == email_id).first())["state"] == "queued"
    assert "No email has failed." in (await client.get("/admin/email-failures")).text


async def test_people_see_which_emails_they_receive(
    client: AsyncTestClient[Any], world: dict[str, Any], clean_db: Settings
) -> None:
    await service.ensure_default_schedules(clean_db)
    row = await service.schedule_by_name("practice-reminders")
    await service.run_schedule(clean_db, row)  # type: ignore[arg-type]
    await sign_in(client, "practice@a81001.test")
    page = await client.get("/account/emails")
    check_page(page.text)
    assert "Practice reminder" in page.text and "every day at 07:00" in page.text
    assert "Return due in 10 days: 2017/18 Q4, A81001 The Densham Surgery" in page.text
    mine = (await OutboxEmail.select(OutboxEmail.id).where(OutboxEmail.to_address == "practice@a81001.test").first())[
        "id"
    ]
    other = (await OutboxEmail.select(OutboxEmail.id).where(OutboxEmail.to_address == "manager@a81002.test").first())[
        "id"
    ]
    assert (await client.get(f"/account/emails/{mine}")).status_code == 200
    assert (await client.get(f"/account/emails/{other}")).status_code == 403
    assert (await client.get("/admin/schedules")).status_code == 403


async def test_ccg_lead_sees_the_weekly_report(client: AsyncTestClient[Any], world: dict[str, Any]) -> None:
    await sign_in(client, "lead@00k.test")
    page = await client.get("/account/emails")
    check_page(page.text)
    assert "CCG status report" in page.text and "every Monday at 07:00" in page.text
    assert "NHS Hartlepool and Stockton-on-Tees CCG" in page.text  # its contact address is listed
