"""In a real browser: the return's task list, a section page (with last period's value and the
national feed's beside each question) and check your answers pass axe at 1280 px, at 320 px
without sideways scrolling, and with 200% text. Screenshots of each go to test-artifacts/
(docs/screenshots/return-*.png are copies of them)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import expect

from tests.a11y.test_axe import _axe, _horizontal_overflow
from tests.factories import make_org_tree
from tests.fixtures_server import browser_sign_in, offline, screenshot, settled
from tests.returns.factories import OPEN, OPEN_URL, PREVIOUS, complete_values, make_return, setup_catalogue
from tracker.feeds import service as feeds

pytestmark = pytest.mark.browser

RETURN = f"/practices/A81001/returns/{OPEN_URL}"
# January to March 2018 (2017/18 Q4): 12 of 30 records integrated by GP2GP.
GP2GP_Q4 = (
    b"RequestorODS,Month,RegistrationCount,RequestCount,IntegratedCount,SuppressedCount,SuccessRate\n"
    b"A81001,01,20,10,4,0,0.4\nA81001,02,20,10,4,0,0.4\nA81001,03,20,10,4,0,0.4\n"
)


async def _checked(page: Any, path: str, shot: str) -> list[str]:
    """axe at 1280 px, at 320 px (and no sideways scrolling), and with 200% text."""
    await page.set_viewport_size({"width": 1280, "height": 900})
    response = await page.goto(path)
    assert response is not None and response.status == 200, path
    await screenshot(page, shot)
    problems = [f"[1280px] {p}" for p in await _axe(page)]
    await page.set_viewport_size({"width": 320, "height": 800})
    await settled(page)
    if (overflow := await _horizontal_overflow(page)) > 1:
        problems.append(f"[320px] scrolls sideways by {overflow}px")
    problems += [f"[320px] {p}" for p in await _axe(page)]
    await screenshot(page, f"{shot}-320")
    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.add_style_tag(content="html { font-size: 200% !important; }")
    await page.evaluate("window.dispatchEvent(new Event('resize'))")
    await settled(page)
    if (overflow := await _horizontal_overflow(page)) > 1:
        problems.append(f"[200% text] scrolls sideways by {overflow}px")
    problems += [f"[200% text] {p}" for p in await _axe(page)]
    return [f"{path}: {p}" for p in problems]


async def test_the_return_pages_pass_axe_at_320_px_and_200_percent_text(
    browser: Any, live_server: str, clean_db: Any
) -> None:
    # Given a practice half way through its return, with last period's approved and a GP2GP feed
    await setup_catalogue()
    tree = await make_org_tree()
    practice = tree["practices"][0]
    await feeds.import_gp2gp(GP2GP_Q4, year=2018)
    await make_return(practice, PREVIOUS, "approved", complete_values(PO_REG_PCT=21.0, GP2GP_UTIL_PCT=38.0))
    values = complete_values(PO_REG_PCT=27.5, GP2GP_UTIL_PCT=41.0)
    del values["ERS_UTIL_PCT"], values["EDISCHARGE_PCT"], values["WIFI_LIVE"]
    await make_return(practice, OPEN, "draft", values)
    context = await offline(
        await browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, bypass_csp=True)
    )
    try:
        page = await context.new_page()
        await browser_sign_in(page, "practice@a81001.test")

        # When they open the return: the task list
        problems = await _checked(page, RETURN, "return-task-list")
        await page.goto(RETURN)
        await expect(page.locator(".nhsuk-task-list").first).to_contain_text("In progress")

        # A section page: each question with what it counts, last period's value and the feed's
        problems += await _checked(page, f"{RETURN}/sections/records-and-transfers", "return-section")
        await page.goto(f"{RETURN}/sections/records-and-transfers")
        await expect(page.locator("#GP2GP_UTIL_PCT-feed")).to_contain_text("National feed (GP2GP)")
        await expect(page.locator("main")).to_contain_text("Last period: 38%")

        # When they answer the two unfinished sections
        await page.goto(RETURN)
        await page.get_by_role("link", name="Referrals and correspondence").click()
        await page.locator("#ERS_UTIL_PCT").fill("62")
        await page.locator("#ERS_UTIL_PCT-numerator").fill("310")
        await page.locator("#ERS_UTIL_PCT-denominator").fill("500")
        await page.locator("#EDISCHARGE_PCT").fill("84")
        await page.get_by_role("button", name="Save and continue").click()
        await page.wait_for_url("**?saved=draft")
        await page.get_by_role("link", name="Infrastructure and governance").click()
        await page.locator("input[name='WIFI_LIVE'][value='yes']").check()
        await page.get_by_role("button", name="Save and continue").click()
        await page.wait_for_url("**?saved=draft")
        await expect(page.locator("main")).to_contain_text("5 of 5 sections completed")

        # Then check your answers shows them, each with a Change link
        problems += await _checked(page, f"{RETURN}/check", "return-check-answers")
        await page.goto(f"{RETURN}/check")
        await expect(page.locator("main")).to_contain_text("62% (310 of 500)")
        await expect(page.get_by_role("link", name="Change First outpatient referrals")).to_have_attribute(
            "href", f"{RETURN}/sections/referrals-and-correspondence#ERS_UTIL_PCT"
        )

        # A section page with an error: the error summary, and what was typed kept
        await page.goto(f"{RETURN}/sections/online-services")
        await page.locator("#PO_REG_PCT").fill("about a quarter")
        await page.get_by_role("button", name="Save and continue").click()
        await expect(page.locator(".nhsuk-error-summary")).to_be_visible()
        problems += [f"section with an error: {p}" for p in await _axe(page)]

        # When the return is submitted, its CCG lead reads the same summary, without Change links
        await page.goto(f"{RETURN}/check")
        await page.get_by_role("button", name="Submit return").click()
        await page.wait_for_url("**?saved=submitted")
        await context.clear_cookies()
        await browser_sign_in(page, "lead@00k.test")
        problems += await _checked(page, RETURN, "return-read-only")
        await page.goto(RETURN)
        await expect(page.locator(".nhsuk-summary-list").first).to_contain_text("27.5%")
        assert await page.get_by_role("link", name="Change", exact=False).count() == 0
        assert not problems, "\n".join(problems)
    finally:
        await context.close()
