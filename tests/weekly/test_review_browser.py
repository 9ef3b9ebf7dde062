"""In a real browser against the real server (Chromium):

- a practice and its CCG lead talk about a return in its comments; the lead returns it with a
  reason and, once resubmitted, approves it (with "Select all"); a real SMTP server (aiosmtpd)
  receives the practice's email of each decision exactly once;
- the review queue shows each return's checks at a glance, and its values on demand;
- a region's team goes from its reporting rates to a CCG's outstanding practices and reminds them.

The pages are checked with axe (WCAG 2.2 AA) at 1280 px and 320 px."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.factories import make_org_tree
from tests.fixtures_server import browser_sign_in, offline
from tests.notifications.conftest import SmtpServer
from tests.returns.factories import OPEN, OPEN_URL, complete_values, make_return, setup_catalogue
from tests.weekly.browser import accessibility_problems
from tests.weekly.chase_world import chase_world
from tests.weekly.review_world import review_world
from tracker.audit import service as audit
from tracker.notifications.delivery_service import deliver
from tracker.settings import Settings
from tracker.tables import OutboxEmail, PracticeReturn

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/review-shots")
RETURN_PAGE = f"/practices/A81001/returns/{OPEN_URL}"
# The app stamps what it queues with the tests' date and the real time of day: deliver at the
# day's last moment, so that whatever was queued that day is due, whenever the suite runs.
AT = dt.datetime(2018, 4, 20, 23, 59, 59, 999999, tzinfo=dt.UTC)


async def shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
async def second_page(browser: Any, live_server: str, clean_db: Any) -> AsyncIterator[Any]:
    """Another person's browser, beside axe_page's."""
    context = await offline(
        await browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, bypass_csp=True)
    )
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def states() -> dict[int, str]:
    rows = await PracticeReturn.select(PracticeReturn.practice, PracticeReturn.state)
    return {r["practice"]: r["state"] for r in rows}


def plain(message: Any) -> str:
    return str(message.get_body(("plain",)).get_content())


async def test_practice_and_ccg_talk_and_the_practice_hears_each_decision_once(
    axe_page: Any, second_page: Any, mail_settings: Settings, smtp: SmtpServer
) -> None:
    lead, practice = axe_page, second_page
    # Given two practices of CCG 00K that submitted their 2017/18 Q4 returns
    await setup_catalogue()
    tree = await make_org_tree()
    a1, a2 = tree["practices"][0], tree["practices"][1]
    await make_return(a1, OPEN, "submitted", complete_values(), version=1)
    await make_return(a2, OPEN, "submitted", complete_values(), version=1)

    # When the CCG lead asks the practice a question on its return
    await browser_sign_in(lead, "lead@00k.test")
    await lead.goto(RETURN_PAGE)
    await lead.get_by_label("Add a comment for the practice").fill("Is the Wi-Fi live in both surgeries?")
    await lead.get_by_role("button", name="Add comment").click()
    await lead.wait_for_url("**?saved=comment*")

    # And returns it to the practice from the review queue, with the reason
    await lead.goto("/review")
    await lead.locator("#return-A81001 input[name='return_id']").check()
    await lead.get_by_label("Reason (needed to return them to the practices)").fill(
        "Please confirm the Wi-Fi answer for the branch surgery."
    )
    await lead.get_by_role("button", name="Return selected to practices").click()
    await lead.wait_for_url("**/review?done=returned&count=1")
    await expect(lead.get_by_role("status")).to_contain_text("1 return returned.")

    # Then the practice's user receives one email saying so, with the reason
    assert (await deliver(mail_settings, now=AT)).sent == 1
    [returned] = smtp.inbox.to("practice@a81001.test")
    assert str(returned["Subject"]).strip() == (
        "Your 2017/18 Q4 return was returned by your CCG: A81001 The Densham Surgery"
    )
    assert "Please confirm the Wi-Fi answer for the branch surgery." in plain(returned)

    # When the practice reads the question and the reason, answers, and submits again
    await browser_sign_in(practice, "practice@a81001.test")
    await practice.goto(RETURN_PAGE)
    await expect(practice.get_by_role("heading", name="Important: Returned by your CCG")).to_be_visible()
    await expect(
        practice.get_by_text("Please confirm the Wi-Fi answer for the branch surgery.", exact=True)
    ).to_be_visible()
    await expect(practice.locator(".tracker-comments__list li")).to_contain_text("Is the Wi-Fi live in both surgeries?")
    await practice.get_by_label("Add a comment for your CCG").fill("Yes: both surgeries since March.")
    await practice.get_by_role("button", name="Add comment").click()
    await practice.wait_for_url("**?saved=comment*")
    await practice.get_by_role("link", name="Check your answers and submit").click()
    await practice.get_by_role("button", name="Submit return").click()
    await practice.wait_for_url("**?saved=submitted")
    await shoot(practice, "practice-answered")
    assert await accessibility_problems(practice) == []

    # Then the lead sees both comments, oldest first
    await lead.goto(RETURN_PAGE)
    thread = lead.locator(".tracker-comments__list li")
    await expect(thread).to_have_count(2)
    await expect(thread.nth(0)).to_contain_text("(CCG)")
    await expect(thread.nth(1)).to_contain_text("Yes: both surgeries since March.")
    await expect(thread.nth(1)).to_contain_text("(Practice)")

    # When the lead selects all the returns in the queue and approves them
    await lead.goto("/review")
    await lead.get_by_label("Select all 2 returns").check()
    await expect(lead.locator("input[name='return_id']:checked")).to_have_count(2)
    await shoot(lead, "queue-all-selected")
    assert await accessibility_problems(lead) == []
    await lead.get_by_role("button", name="Approve selected").click()
    await lead.wait_for_url("**/review?done=approved&count=2")

    # Then both are approved, and the practice receives one email saying so; a second run sends nothing
    assert await states() == {a1["id"]: "approved", a2["id"]: "approved"}
    assert (await deliver(mail_settings, now=AT + dt.timedelta(minutes=5))).sent == 1
    assert (await deliver(mail_settings, now=AT + dt.timedelta(minutes=10))).sent == 0
    subjects = [str(m["Subject"]).strip() for m in smtp.inbox.to("practice@a81001.test")]
    assert subjects == [
        "Your 2017/18 Q4 return was returned by your CCG: A81001 The Densham Surgery",
        "Your 2017/18 Q4 return was approved: A81001 The Densham Surgery",
    ]
    assert len(smtp.inbox.messages) == 2
    assert await audit.count("return.comment") == 2


async def test_the_review_queue_shows_the_checks_at_a_glance(axe_page: Any) -> None:
    page = axe_page
    # Given a CCG with a return that moved far from its history and its peers, and one that did not
    await review_world()

    # When its lead opens the review queue
    await browser_sign_in(page, "lead@00k.test")
    await page.goto("/review")

    # Then each return is one row with its checks summed up; the quiet one has none
    await expect(page.locator("#return-A81001")).to_contain_text("Comment needed 1")
    await expect(page.locator("#return-A81001")).to_contain_text("Unlike its own history 2")
    await expect(page.locator("#return-A81002")).to_contain_text("No checks raised")

    # When they open the values of the flagged return
    await page.get_by_text("Values of The Densham Surgery (A81001): 7 checks").click()

    # Then each value stands beside last period's and the feed's, the flagged first
    details = page.locator("#details-A81001 details")
    await expect(details.locator("tbody tr").first).to_contain_text("Patients registered for online services")
    await expect(details).to_contain_text("60% differs from the national feed.")
    await page.set_viewport_size({"width": 1280, "height": 1400})
    await shoot(page, "review-queue")
    assert await accessibility_problems(page) == []


async def test_a_region_chases_a_ccg_s_practices_from_its_reporting_rates(axe_page: Any) -> None:
    page = axe_page
    # Given a region whose CCG 00K has four practices with an outstanding 2017/18 Q4 return
    await chase_world()

    # When its team follows the link under the region's reporting rates
    await browser_sign_in(page, "region@y63.test")
    await page.goto("/dashboards/regions/Y63")
    await page.get_by_role("link", name="See the CCGs with outstanding returns and remind their practices").click()

    # Then the region's CCGs with an outstanding return are listed with their counts
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Outstanding returns in")
    await expect(page.locator("#org-00K")).to_contain_text("4")
    await shoot(page, "chasing-region")
    assert await accessibility_problems(page) == []

    # When they open the CCG and preview reminders to every outstanding practice
    await page.locator("#org-00K a").click()
    await expect(page.locator("tbody tr[id^='practice-']")).to_have_count(4)
    await page.get_by_role("button", name="Select all outstanding (4) and preview").click()

    # Then they see each email as it will go, before anything is sent
    await expect(page.get_by_role("heading", level=1)).to_have_text("Check the reminders before you send them")
    await expect(page.locator(".tracker-email")).to_have_count(3)
    await expect(page.get_by_text("A81005 North Road Surgery has no one to email")).to_be_visible()
    await shoot(page, "chase-preview")
    assert await accessibility_problems(page) == []
    assert await OutboxEmail.count() == 0

    # When they send them
    await page.get_by_role("button", name="Send 3 reminders").click()

    # Then three reminders are queued and the chase is audited under their name
    await expect(page.get_by_role("heading", level=1)).to_have_text("3 reminders sent")
    assert await OutboxEmail.count() == 3
    events = await audit.events_of("ccg", [(await chase_ccg_id())], ("review.chase",))
    assert [e.actor for e in events] == ["region@y63.test"]


async def chase_ccg_id() -> int:
    from tracker.tables import Ccg

    row = await Ccg.select(Ccg.id).where(Ccg.code == "00K").first()
    return int(row["id"])
