"""In a real browser: national -> the lagging CCG -> the practice dragging it down, in three clicks."""

import pytest
from playwright.async_api import expect

from tests.fixtures_server import browser_sign_in, screenshot
from tests.maturity.scenario import scored_world
from tracker.accounts.principal import Role

pytestmark = pytest.mark.browser


async def test_national_to_lagging_ccg_to_practice_in_three_clicks(page):
    world = await scored_world()
    await browser_sign_in(page, world["users"][Role.NATIONAL]["email"])
    await page.goto("/dashboards")  # the Dashboards link: national users land on England
    assert await page.locator("h1").inner_text() == "England: digital maturity of GP practices"
    assert await page.get_by_text("Download as Excel").is_visible()
    await screenshot(page, "maturity-england")

    # Click 1: the lowest CCG is listed first.
    await page.get_by_role("link", name="NHS Hartlepool and Stockton-on-Tees CCG").first.click()
    await expect(page.locator("h1")).to_contain_text("Hartlepool")
    furthest = page.locator("table", has_text="Practices furthest behind")
    assert await furthest.locator("tbody tr").count() >= 1
    await screenshot(page, "maturity-ccg")

    # Click 2: the practice furthest behind.
    await furthest.get_by_role("link", name="Queens Park Medical Centre").click()
    await expect(page.locator("h1")).to_have_text("Queens Park Medical Centre")
    assert await page.get_by_text("Off track").first.is_visible()
    await screenshot(page, "maturity-practice")

    # Click 3: one of its indicators, against the national distribution.
    await page.get_by_role("link", name="Items sent by EPS").first.click()
    await expect(page.locator("h1")).to_have_text("Items sent by EPS")
    await screenshot(page, "maturity-indicator")


async def test_ccg_lead_filters_and_sorts_practices(page):
    world = await scored_world()
    await browser_sign_in(page, world["users"][Role.CCG]["email"])
    await page.goto("/dashboards")
    await page.get_by_label("Status", exact=True).select_option("off_track")
    await page.get_by_role("button", name="Filter practices").click()
    await expect(page.get_by_text("Showing 1 of 2 practices")).to_be_visible()
    await screenshot(page, "maturity-ccg-filtered")
