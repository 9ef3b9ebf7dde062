"""In a real browser against the real server (Chromium): a CCG lead imports contact addresses
from a CSV file with one bad row and is told which row, with nothing saved; a CCG lead leaves the
weekly report from the link in an email delivered by real SMTP, and the next week's report does
not reach them. The pages are checked with axe (WCAG 2.2 AA) at 1280 px and 320 px."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

import pytest
from playwright.async_api import expect

from tests.factories import make_org_tree
from tests.fixtures_server import browser_sign_in
from tests.notifications.conftest import SmtpServer
from tests.weekly.browser import accessibility_problems
from tracker.indicators import service as indicators
from tracker.maturity import service as maturity
from tracker.notifications import service
from tracker.notifications.delivery_service import deliver
from tracker.periods import service as periods
from tracker.settings import Settings
from tracker.tables import AuditEvent, Ccg, Practice, ReportOptOut

pytestmark = pytest.mark.browser

MONDAY = dt.datetime(2018, 4, 23, 7, tzinfo=dt.UTC)


async def contacts() -> dict[str, str]:
    practices = await Practice.select(Practice.ods_code, Practice.contact_email)
    ccgs = await Ccg.select(Ccg.code, Ccg.contact_email)
    return {r["ods_code"]: r["contact_email"] for r in practices} | {r["code"]: r["contact_email"] for r in ccgs}


async def test_a_ccg_lead_imports_contacts_and_a_bad_row_stops_the_whole_file(axe_page: Any) -> None:
    page = axe_page
    # Given a CCG lead of 00K, whose practices have no contact addresses yet
    await make_org_tree()
    before = await contacts()

    # When they sign in and open the import from their contact addresses page
    await browser_sign_in(page, "lead@00k.test")
    await page.goto("/contacts")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Contact addresses")
    assert await accessibility_problems(page) == []
    await page.get_by_role("link", name="Import contact addresses from a CSV file").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Import contact addresses")
    assert await accessibility_problems(page) == []

    # And upload a file whose third row is another CCG's practice
    bad = b"ODS code,Email\nA81001,manager@a81001.test\nJ81001,someone@j81001.test\n00K,gp-it@00k.test\n"
    await page.get_by_label("CSV file").set_input_files(
        files=[{"name": "contacts.csv", "mimeType": "text/csv", "buffer": bad}]
    )
    await page.get_by_role("button", name="Check the file").click()

    # Then the error summary says the file has a problem, the report names the row, and nothing is saved
    summary = page.locator(".nhsuk-error-summary")
    await expect(summary).to_contain_text("The file has 1 problem: nothing was saved.")
    await expect(page.locator(".tracker-import-problems li")).to_have_text(
        ["Row 3: J81001 is not your CCG or one of its practices"]
    )
    assert await accessibility_problems(page) == []
    assert await contacts() == before
    assert await AuditEvent.count().where(AuditEvent.action == "contact.updated") == 0

    # When they correct the file, check the preview and confirm it
    good = bad.replace(b"J81001,someone@j81001.test\n", b"A81002,reception@a81002.test\n")
    await page.get_by_label("CSV file").set_input_files(
        files=[{"name": "contacts.csv", "mimeType": "text/csv", "buffer": good}]
    )
    await page.get_by_role("button", name="Check the file").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Check the contact addresses before saving them")
    assert await contacts() == before  # the preview saves nothing
    assert await accessibility_problems(page) == []
    await page.get_by_role("button", name="Save these contact addresses").click()

    # Then all three are saved, each audited
    await page.wait_for_url("**/contacts?done=imported-3")
    await expect(page.get_by_role("status")).to_contain_text("3 changed")
    after = await contacts()
    assert (after["A81001"], after["A81002"], after["00K"]) == (
        "manager@a81001.test",
        "reception@a81002.test",
        "gp-it@00k.test",
    )
    assert after["J81001"] == before["J81001"]
    assert await AuditEvent.count().where(AuditEvent.action == "contact.updated") == 3


async def test_a_ccg_lead_leaves_the_weekly_report_from_its_email(
    axe_page: Any, live_server: str, smtp: SmtpServer, clean_db: Settings
) -> None:
    page = axe_page
    await periods.ensure_periods()
    await indicators.load()
    await make_org_tree()
    await maturity.ensure_scored(MONDAY.date())
    settings = dataclasses.replace(clean_db, smtp_url=smtp.url, base_url=live_server)
    await Ccg.update({Ccg.contact_email: "gp-it@00k.test"}).where(Ccg.code == "00K")
    await service.ensure_default_schedules(settings, MONDAY)
    schedule = await service.schedule_by_name("ccg-status-report")
    assert schedule is not None

    # Given this week's CCG status report was delivered to the CCG lead by the mail server
    await service.run_schedule(settings, schedule, now=MONDAY)
    await deliver(settings, now=MONDAY)
    [email] = smtp.inbox.to("lead@00k.test")
    body = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"Stop getting the weekly CCG status report: (\S+)", body)
    assert link is not None and link.group(1).startswith(live_server)

    # When they open the link from the email, without signing in
    await page.goto(link.group(1))

    # Then the page asks them to confirm, and nothing has changed yet
    await expect(page.get_by_role("heading", level=1)).to_have_text("Stop getting the weekly CCG status report?")
    await expect(page.get_by_role("main")).to_contain_text("lead@00k.test gets the weekly CCG status report")
    assert await ReportOptOut.count() == 0
    assert await accessibility_problems(page) == []

    # When they confirm
    await page.get_by_role("button", name="Stop getting the weekly CCG status report").click()

    # Then the page says they will no longer get it, and offers a way back
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "You will no longer get the weekly CCG status report"
    )
    await expect(page.get_by_role("button", name="Get the weekly CCG status report again")).to_be_visible()
    assert await accessibility_problems(page) == []
    rows = await ReportOptOut.select(ReportOptOut.email, ReportOptOut.kind, ReportOptOut.via)
    assert rows == [{"email": "lead@00k.test", "kind": "ccg_report", "via": "link"}]

    # When next week's report runs
    smtp.inbox.messages.clear()
    next_week = MONDAY + dt.timedelta(days=7)
    result = await service.run_schedule(settings, schedule, now=next_week)
    await deliver(settings, now=next_week)

    # Then it does not email them, but still reaches the CCG's contact address (and the other CCG)
    assert sorted(e.to_address for e in result.emails) == ["gp-it@00k.test", "lead@11j.test"]
    assert smtp.inbox.to("lead@00k.test") == []
    assert len(smtp.inbox.to("gp-it@00k.test")) == 1
