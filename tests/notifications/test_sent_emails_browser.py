"""End to end: the administrator reads a reminder and a CCG report on the Sent emails page (real
server, real browser), with no mail server configured. Screenshots go to test-artifacts/."""

from __future__ import annotations

from typing import Any

from tests.fixtures_server import browser_sign_in, screenshot
from tracker.notifications import service
from tracker.settings import Settings


async def test_reminder_and_ccg_report_on_the_sent_emails_page(
    page: Any, world: dict[str, Any], clean_db: Settings
) -> None:
    await service.ensure_default_schedules(clean_db)
    for name in ("practice-reminders", "ccg-status-report"):
        row = await service.schedule_by_name(name)
        await service.run_schedule(clean_db, row)  # type: ignore[arg-type]
    await browser_sign_in(page, "admin@england.test")
    await page.goto("/admin/emails")
    await page.get_by_role("heading", name="Sent emails").wait_for()
    await page.get_by_role("link", name="Return due in 10 days: 2017/18 Q4, A81001 The Densham Surgery").click()
    await page.get_by_role("heading", name="The email").wait_for()
    assert await page.get_by_text("You have not started this return yet.", exact=True).is_visible()
    assert await page.get_by_role("link", name="Open the 2017/18 Q4 return").get_attribute("href") == (
        clean_db.base_url + "/practices/A81001/returns/2017-18-Q4"
    )
    await screenshot(page, "notifications-reminder")

    await page.goto("/admin/emails?kind=ccg_report")
    await page.get_by_role(
        "link", name="Weekly status report: NHS Hartlepool and Stockton-on-Tees CCG (00K), 2017/18 Q4"
    ).click()
    await page.get_by_role("heading", name="The email").wait_for()
    assert await page.get_by_role("heading", name="Overdue practices (0)").is_visible()
    assert await page.get_by_text("Returns in for 2017/18 Q4 (provisional)", exact=True).is_visible()
    await screenshot(page, "notifications-ccg-report")
