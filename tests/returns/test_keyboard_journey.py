"""In a real browser, with the keyboard only (Tab, Enter and Space): a practice user opens their
return's task list, corrects an error on a section page, saves it, checks their answers and
submits; then the CCG lead approves it. Every element reached shows where the focus is.
Screenshots of the pages and the review grid."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_org_tree
from tests.fixtures_server import screenshot
from tests.returns.factories import OPEN, complete_values, make_return, setup_catalogue
from tracker.tables import PracticeReturn

pytestmark = pytest.mark.browser


async def tab_to(page, condition: str, limit: int = 200) -> None:
    """Press Tab until the focused element satisfies a JavaScript condition on `e`."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate(f"(() => {{ const e = document.activeElement; return !!e && ({condition}); }})()"):
            return
    raise AssertionError(f"Tab never reached an element where {condition}")


FOCUS_SHOWN = """(() => {
  const e = document.activeElement;
  const look = () => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth, s.boxShadow, s.backgroundColor, s.color].join('|'); };
  const focused = look();
  e.blur();
  const unfocused = look();
  e.focus({focusVisible: true});
  return focused !== unfocused && document.activeElement === e;
})()"""


async def focus_is_visible(page) -> bool:
    """The focused element looks different from when it is not focused (the NHS focus style:
    yellow, with a dark underline or outline), and keeps the focus after the check."""
    return bool(await page.evaluate(FOCUS_SHOWN))


async def keyboard_sign_in(page, email: str) -> None:
    await page.goto("/sign-in")
    await tab_to(page, "e.id === 'email'")
    await page.keyboard.type(email)
    await tab_to(page, "e.id === 'password'")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url(lambda url: "/sign-in" not in url)


async def test_practice_journey_with_the_keyboard_then_ccg_approves(page):
    await setup_catalogue()
    tree = await make_org_tree()
    practice = tree["practices"][0]
    values = complete_values()
    del values["PO_REG_PCT"]
    del values["OC_LIVE"]
    await make_return(practice, OPEN, "draft", values)

    await keyboard_sign_in(page, "practice@a81001.test")
    # Open the return: the Returns link in the header, then this period's return.
    await tab_to(page, "e.tagName === 'A' && e.getAttribute('href') === '/returns'")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/returns")
    await tab_to(page, "e.tagName === 'A' && e.textContent.includes('2017/18 Q4')")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/practices/A81001/returns/2017-18-Q4")
    assert await page.locator("h1").inner_text() == "2017/18 Q4 return"

    # The return is a task list: Online services is begun but not finished; checking waits.
    assert "In progress" in await page.locator(".nhsuk-task-list").first.inner_text()
    await screenshot(page, "return-task-list-keyboard")
    await tab_to(page, "e.tagName === 'A' && e.textContent.trim() === 'Online services'")
    assert await focus_is_visible(page)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert await page.locator("h1").inner_text() == "Online services"

    # Make an error: words where a percentage belongs; save the section.
    await tab_to(page, "e.id === 'PO_REG_PCT'")
    assert await focus_is_visible(page)
    await page.keyboard.type("about a quarter")
    await tab_to(page, "e.tagName === 'BUTTON' && e.textContent.trim() === 'Save and continue'")
    assert await focus_is_visible(page)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    summary = page.locator(".nhsuk-error-summary")
    assert await summary.is_visible()
    text = await summary.inner_text()
    assert "Enter patients registered for online services as a number" in text
    assert await page.locator("#PO_REG_PCT").input_value() == "about a quarter"  # what was typed is kept
    await screenshot(page, "return-form-error")

    # Read the summary and follow its link to the field; fix it.
    await tab_to(page, "e.tagName === 'A' && e.getAttribute('href') === '#PO_REG_PCT'")
    assert await focus_is_visible(page)
    await page.keyboard.press("Enter")
    if await page.evaluate("document.activeElement.id") != "PO_REG_PCT":
        await tab_to(page, "e.id === 'PO_REG_PCT'")
    await page.keyboard.press("Control+A")
    await page.keyboard.type("27.5")
    # Online consultation: a yes/no with the space bar.
    await tab_to(page, "e.name === 'OC_LIVE'")
    assert await focus_is_visible(page)
    await page.keyboard.press("Space")
    assert await page.locator("#OC_LIVE").is_checked()
    await tab_to(page, "e.tagName === 'BUTTON' && e.textContent.trim() === 'Save and continue'")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**?saved=draft")
    assert await page.get_by_text("Your draft has been saved.").is_visible()
    assert "Completed" in await page.locator(".nhsuk-task-list").first.inner_text()
    await screenshot(page, "return-form")

    # Check the answers: each has a Change link to its field; then submit.
    await tab_to(page, "e.tagName === 'A' && e.textContent.trim() === 'Check your answers and submit'")
    assert await focus_is_visible(page)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert await page.locator("h1").inner_text() == "Check your answers before submitting the return"
    await tab_to(page, "e.tagName === 'A' && e.getAttribute('href').endsWith('/sections/online-services#PO_REG_PCT')")
    assert await focus_is_visible(page)
    assert "27.5%" in await page.locator(".nhsuk-summary-list").first.inner_text()
    await tab_to(page, "e.tagName === 'BUTTON' && e.textContent.trim() === 'Submit return'")
    assert await focus_is_visible(page)
    await page.keyboard.press("Enter")
    await page.wait_for_url("**?saved=submitted")
    assert await page.get_by_text("Your return has been submitted to your CCG for review.").is_visible()
    row = await PracticeReturn.select().where(PracticeReturn.practice == practice["id"]).first()
    assert row["state"] == "submitted"

    # The CCG lead approves it from the queue, with the keyboard too.
    await page.context.clear_cookies()
    await keyboard_sign_in(page, "lead@00k.test")
    await tab_to(page, "e.tagName === 'A' && e.getAttribute('href') === '/review'")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/review")
    await tab_to(page, "e.type === 'checkbox'")
    await page.keyboard.press("Space")
    await tab_to(page, "e.tagName === 'BUTTON' && e.textContent.trim() === 'Approve selected'")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/review?done=approved&count=1")
    assert await page.get_by_text("1 return approved.").is_visible()
    row = await PracticeReturn.select().where(PracticeReturn.practice == practice["id"]).first()
    assert row["state"] == "approved"
    await page.goto("/review/grid")
    assert await page.locator(".tracker-state--approved", has_text="Approved").count() >= 1
    await screenshot(page, "review-grid")
