"""Leaving a report: the footer link of each report email (real SMTP), the page it opens (which
changes nothing until confirmed), the senders skipping those who left, and the account's own
reports page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from tests.conftest import csrf_token, post_form, sign_in
from tests.notifications.conftest import AS_AT, SmtpServer
from tests.pages import check_page
from tracker.accounts.principal import Role
from tracker.notifications import service, subscriptions_service
from tracker.notifications.delivery_service import deliver
from tracker.settings import Settings
from tracker.tables import AuditEvent, Ccg, ReportOptOut

LEAVE = re.compile(r"https?://\S+/reports/leave/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")


async def _run(settings: Settings, name: str, now: dt.datetime = AS_AT) -> service.RunResult:
    await service.ensure_default_schedules(settings, now)
    row = await service.schedule_by_name(name)
    assert row is not None
    return await service.run_schedule(settings, row, now=now)


def _text(message: Any) -> str:
    return message.get_body(("plain",)).get_content()


async def test_every_report_email_has_its_own_leave_link_and_leavers_are_skipped(
    mail_settings: Settings, smtp: SmtpServer, world: dict[str, Any]
) -> None:
    await Ccg.update({Ccg.contact_email: "gp-it@00k.test"}).where(Ccg.code == "00K")
    monday = dt.datetime(2018, 4, 23, 7, tzinfo=dt.UTC)
    assert (await _run(mail_settings, "practice-reminders")).queued == 2
    assert (await _run(mail_settings, "ccg-status-report", monday)).queued >= 2
    await deliver(mail_settings, now=monday)
    [pat] = smtp.inbox.to("practice@a81001.test")
    [lead] = smtp.inbox.to("lead@00k.test")
    [contact] = smtp.inbox.to("gp-it@00k.test")
    links = {m["To"]: LEAVE.findall(_text(m)) for m in (pat, lead, contact)}
    assert all(len(v) == 1 for v in links.values()), links
    assert len({v[0] for v in links.values()}) == 3  # each address its own link
    html = lead.get_body(("html",)).get_content()
    assert f'href="{links["lead@00k.test"][0]}"' in html
    assert "Stop getting the weekly CCG status report" in _text(lead)
    assert "Stop getting reminders about your practice's return" in _text(pat)

    # The CCG's contact address leaves the CCG report; next week's report skips it, not the lead.
    await subscriptions_service.leave("gp-it@00k.test", "ccg_report", via="link")
    smtp.inbox.messages.clear()
    next_monday = monday + dt.timedelta(days=7)
    await _run(mail_settings, "ccg-status-report", next_monday)
    await deliver(mail_settings, now=next_monday)
    assert smtp.inbox.to("lead@00k.test") and not smtp.inbox.to("gp-it@00k.test")

    # A practice user who left reminders gets none at the next step; the contact address still does.
    await subscriptions_service.leave("practice@a81001.test", "reminders", via="account")
    smtp.inbox.messages.clear()
    later = dt.datetime(2018, 4, 27, 6, tzinfo=dt.UTC)
    await _run(mail_settings, "practice-reminders", later)
    await deliver(mail_settings, now=later)
    assert not smtp.inbox.to("practice@a81001.test") and smtp.inbox.to("manager@a81002.test")


async def test_the_leave_page_changes_nothing_until_confirmed_and_offers_a_way_back(
    client: Any, world: dict[str, Any], clean_db: Settings
) -> None:
    from tracker.notifications import leaving

    token = leaving.token(clean_db.secret_key, "manager@a81002.test", "reminders")
    page = await client.get(f"/reports/leave/{token}")
    assert page.status_code == 200
    check_page(page.text)
    assert "Stop getting reminders about your practice&#39;s return?" in page.text
    assert await ReportOptOut.count() == 0  # opening the link (as a mail scanner would) changes nothing
    # No CSRF token: refused, nothing changes.
    assert (await client.post(f"/reports/leave/{token}")).status_code == 403
    assert await ReportOptOut.count() == 0
    left = await post_form(client, f"/reports/leave/{token}", {}, follow_redirects=True)
    check_page(left.text)
    assert "You will no longer get reminders about your practice&#39;s return" in left.text
    assert await subscriptions_service.left_reports("manager@a81002.test") == {"reminders"}
    assert await AuditEvent.count().where(AuditEvent.action == "report.left") == 1
    back = await post_form(client, f"/reports/leave/{token}/rejoin", {}, token_from=f"/reports/leave/{token}")
    assert "will get reminders about your practice&#39;s return again" in back.text
    assert await subscriptions_service.left_reports("manager@a81002.test") == set()
    # A changed token: a page saying so, and nothing happens.
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert (await client.get(f"/reports/leave/{forged}")).status_code == 404
    token_ = await csrf_token(client, f"/reports/leave/{token}")
    assert (await client.post(f"/reports/leave/{forged}", data={"_csrf_token": token_})).status_code == 404
    assert await ReportOptOut.count() == 0


async def test_people_choose_their_reports_on_their_account(client: Any, world: dict[str, Any]) -> None:
    await sign_in(client, world["users"][Role.CCG]["email"])
    page = await client.get("/account/reports")
    check_page(page.text)
    assert "Weekly CCG status report" in page.text and "Monthly alerts" in page.text
    assert "Reminders about" not in page.text
    saved = await post_form(client, "/account/reports", {"reports": "alert_digest"}, follow_redirects=True)
    assert "Your choices are saved." in saved.text
    assert await subscriptions_service.left_reports("lead@00k.test") == {"ccg_report"}
    emails = await client.get("/account/emails")
    assert "You have stopped getting: Weekly CCG status report." in emails.text
    await post_form(client, "/account/reports", {"reports": ["alert_digest", "ccg_report"]})
    assert await subscriptions_service.left_reports("lead@00k.test") == set()
