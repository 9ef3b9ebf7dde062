"""In a real browser against the real server (Chromium): a practice sees its to-do list, withdraws
its submitted return, talks to its CCG in the comments and submits again. The pages it passes
through are checked with axe (WCAG 2.2 AA) at 1280 px and 320 px."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.factories import make_org_tree
from tests.fixtures_server import browser_sign_in
from tests.returns.factories import OPEN, complete_values, make_return, setup_catalogue
from tests.weekly.browser import accessibility_problems
from tracker.audit import service as audit
from tracker.tables import PracticeReturn

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/weekly-shots")


async def state_of(practice: dict[str, Any]) -> str:
    row = await PracticeReturn.select(PracticeReturn.state).where(PracticeReturn.practice == practice["id"]).first()
    return row["state"]


async def shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def test_a_practice_withdraws_and_resubmits_its_return(axe_page: Any) -> None:
    page = axe_page
    # Given a practice that submitted its 2017/18 Q4 return, and its CCG lead asked a question
    await setup_catalogue()
    tree = await make_org_tree()
    practice = tree["practices"][0]
    row = await make_return(practice, OPEN, "submitted", complete_values(), version=1)
    await audit.record(
        "return.comment",
        actor="lead@00k.test",
        entity_type="practice_return",
        entity_id=row["id"],
        detail={"by": "ccg", "name": "Pat Lead", "text": "Is the Wi-Fi live in both surgeries?", "period": OPEN},
    )

    # When the practice manager signs in
    await browser_sign_in(page, "practice@a81001.test")
    await page.goto("/")

    # Then the home page is its to-do list: the return waits for the CCG, and the CCG's question shows
    todo = page.locator("section.tracker-todo")
    await expect(todo).to_contain_text("2017/18 Q4 return")
    await expect(todo).to_contain_text("Due 30 April 2018; 16 of 16 answered; waiting for your CCG's review.")
    await expect(todo).to_contain_text("Is the Wi-Fi live in both surgeries?")
    await expect(todo.get_by_role("link", name="Funding of The Densham Surgery")).to_be_visible()
    await shoot(page, "home-practice-waiting")
    assert await accessibility_problems(page) == []

    # When they open the return and withdraw it
    await todo.locator("h3").get_by_role("link", name="2017/18 Q4 return").click()
    await page.get_by_role("button", name="Withdraw return").click()
    await page.wait_for_url("**?saved=withdrawn")

    # Then it is a draft again, and its sections are open to change
    await expect(page.get_by_role("status")).to_contain_text("withdrawn: it is a draft again")
    assert await state_of(practice) == "draft"
    await expect(page.get_by_role("link", name="Infrastructure and governance")).to_be_visible()

    # When they answer the CCG in the comments
    await page.get_by_label("Add a comment for your CCG").fill("Only in the main surgery: corrected to no.")
    await page.get_by_role("button", name="Add comment").click()
    await page.wait_for_url("**?saved=comment*")

    # Then the thread shows both, oldest first, with names and dates
    thread = page.locator(".tracker-comments__list li")
    await expect(thread).to_have_count(2)
    await expect(thread.nth(0)).to_contain_text("Pat Lead (CCG)")
    await expect(thread.nth(1)).to_contain_text("Only in the main surgery")
    await expect(thread.nth(1)).to_contain_text("20 April 2018")
    await shoot(page, "return-with-comments")
    await page.locator(".tracker-comments").screenshot(path=str(SHOTS / "return-comments-thread.png"))
    assert await accessibility_problems(page) == []

    # When they change the answer, check their answers and submit the return again
    await page.get_by_role("link", name="Infrastructure and governance").click()
    await page.locator("input[name='WIFI_LIVE'][value='no']").check()
    await page.locator("#WIFI_LIVE-comment").fill("Wi-Fi is live in the main surgery only.")
    await page.get_by_role("button", name="Save and continue").click()
    await page.wait_for_url("**?saved=draft")
    await page.get_by_role("link", name="Check your answers and submit").click()
    await page.get_by_role("button", name="Submit return").click()
    await page.wait_for_url("**?saved=submitted")

    # Then it is submitted again, and the history says what happened in order
    assert await state_of(practice) == "submitted"
    events = await audit.events_of(
        "practice_return", [row["id"]], ("return.withdrawn", "return.comment", "return.submitted")
    )
    assert [e.action for e in events] == ["return.comment", "return.withdrawn", "return.comment", "return.submitted"]
    await page.get_by_text("History of this return").click()
    await expect(page.locator(".nhsuk-details")).to_contain_text("Withdrawn by the practice")
    await expect(page.locator(".nhsuk-details")).to_contain_text("NHS Wi-Fi for patients and staff: 1 → 0")
