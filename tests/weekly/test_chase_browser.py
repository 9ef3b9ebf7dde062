"""In a real browser against the real server (Chromium): a CCG lead filters its grid to the
practices with an outstanding return, chases three of them after previewing the email, and a
second chase the same day adds nothing. The new pages are checked with axe (WCAG 2.2 AA) at
1280 px, at 320 px and with 200% text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.fixtures_server import browser_sign_in
from tests.weekly.browser import accessibility_problems
from tests.weekly.chase_world import chase_world
from tracker.audit import service as audit
from tracker.tables import OutboxEmail

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/chase-shots")
CHASED = ["A81001", "A81003", "A81004"]


async def shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def outbox() -> list[dict[str, Any]]:
    return await OutboxEmail.select(OutboxEmail.practice, OutboxEmail.to_address, OutboxEmail.kind)


async def test_a_ccg_lead_chases_three_practices_once_a_day(axe_page: Any) -> None:
    page = axe_page
    # Given a CCG whose practices are in every state for the open 2017/18 Q4 return
    tree = await chase_world()
    codes = {p["id"]: p["ods_code"] for p in (*tree["practices"], *tree["extra"])}

    # When its lead opens the grid and filters it to outstanding returns
    await browser_sign_in(page, "lead@00k.test")
    await page.goto("/review/grid")
    await expect(page.locator(".tracker-state--missed").first).to_have_text("Missed")
    await page.get_by_role("link", name="Show only the 4 with an outstanding 2017/18 Q4 return").click()
    await page.wait_for_url("**/review/grid?show=outstanding")

    # Then only those practices are listed, and the page says how many
    await expect(page.get_by_text("4 of 5 practices have an outstanding 2017/18 Q4 return")).to_be_visible()
    rows = page.locator("tbody tr[id^='practice-']")
    await expect(rows).to_have_count(4)
    await expect(page.locator("#practice-A81002")).to_have_count(0)
    await shoot(page, "grid-outstanding")
    assert await accessibility_problems(page, zoomed_text=True) == []

    # When they tick three practices and preview the reminders
    for code in CHASED:
        await page.locator(f"#remind-{code}").check()
    await page.get_by_role("button", name="Preview reminders to selected practices").click()

    # Then the preview shows each email as it will go and who it goes to
    await expect(page.get_by_role("heading", level=1)).to_have_text("Check the reminders before you send them")
    await expect(page.locator("#chase-A81004")).to_contain_text("contact@a81004.test")
    await expect(page.locator("#email-A81001 .tracker-email")).to_contain_text("Still to answer (2)")
    await expect(page.locator("#email-A81003 .tracker-email")).to_contain_text("You have not started this return yet.")
    await expect(page.locator(".tracker-email")).to_have_count(3)
    await shoot(page, "chase-preview")
    assert await accessibility_problems(page, zoomed_text=True) == []

    # When they send them
    await page.get_by_role("button", name="Send 3 reminders").click()

    # Then three reminders are queued, one for each practice, and the chase is audited
    await expect(page.get_by_role("heading", level=1)).to_have_text("3 reminders sent")
    await shoot(page, "chase-sent")
    assert await accessibility_problems(page, zoomed_text=True) == []
    queued = await outbox()
    assert sorted(codes[r["practice"]] for r in queued) == CHASED
    assert {r["kind"] for r in queued} == {"chase_reminder"}
    events = await audit.events_of("ccg", [tree["ccgs"][0]["id"]], ("review.chase",))
    assert [sorted(e.detail["reminded"]) for e in events] == [CHASED]
    assert events[0].actor == "lead@00k.test"

    # When they chase every outstanding practice again the same day (without JavaScript's help)
    await page.get_by_role("link", name="Back to practices with an outstanding return").click()
    await page.get_by_role("button", name="Select all outstanding (4) and preview").click()

    # Then the page says they were already reminded today, nothing can be sent, and the outbox is unchanged
    await expect(page.get_by_role("heading", level=1)).to_have_text("None of these practices can be reminded now")
    for code in CHASED:
        await expect(page.get_by_text(f"{code} was already reminded today")).to_be_visible()
    await expect(page.get_by_text("A81005 North Road Surgery has no one to email")).to_be_visible()
    await expect(page.get_by_role("button", name="Send", exact=False)).to_have_count(0)
    await shoot(page, "chase-again-same-day")
    assert len(await outbox()) == 3
