"""In a real browser against the real server: find a practice by code and reach its page."""

import pytest

from tests.factories import make_org_tree
from tests.fixtures_server import browser_sign_in, screenshot
from tracker.accounts.principal import Role

pytestmark = pytest.mark.browser


async def test_national_user_finds_a_practice_by_code(page):
    tree = await make_org_tree()
    await browser_sign_in(page, tree["users"][Role.NATIONAL]["email"])
    await page.goto("/organisations")
    assert await page.locator("h1").inner_text() == "Organisations in England"
    await page.get_by_label("Find a practice by ODS code or name").fill("A81001")
    await page.get_by_role("button", name="Search").click()
    await page.get_by_role("link", name="The Densham Surgery").click()
    assert await page.locator("h1").inner_text() == "The Densham Surgery"
    assert await page.get_by_text("GP practice A81001").is_visible()
    # The NHS.UK stylesheet loaded: the header is NHS blue.
    colour = await page.locator("header.nhsuk-header").evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(0, 94, 184)"
    await screenshot(page, "practice-page")
