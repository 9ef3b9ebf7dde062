"""In a real browser against the real server (Chromium): an administrator uploads a catalogue file
with a mistake and is told which indicator and field, beside the field, with nothing written; then
uploads the corrected file, checks the changes and applies them. Every page is checked with axe
(WCAG 2.2 AA) at 1280 px and 320 px."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.async_api import expect

from tests.conftest import ROOT
from tests.factories import make_account
from tests.fixtures_server import browser_sign_in
from tests.weekly.browser import accessibility_problems
from tracker.accounts.principal import Role
from tracker.indicators import service
from tracker.tables import IndicatorVersion

pytestmark = pytest.mark.browser

CATALOGUE = ROOT / "fixtures" / "indicators.toml"


async def test_an_administrator_checks_a_catalogue_file_then_applies_it(axe_page: Any) -> None:
    page = axe_page
    # Given the catalogue the tracker was set up with, and an administrator
    await service.apply_plan(service.read_file(CATALOGUE), dt.date(2014, 4, 1))
    await make_account(Role.ADMIN, email="admin@england.test")

    # When they open the catalogue from the administration page
    await browser_sign_in(page, "admin@england.test")
    await page.goto("/admin")
    await page.get_by_role("link", name="Indicator catalogue").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Indicator catalogue")

    # And upload a file with a misspelt field, to apply from 1 April 2018
    good = CATALOGUE.read_text().replace("target_value = 10\n", "target_value = 30\n", 1)
    bad = good.replace("weight = 2\n", "weigth = 2\n", 1)
    await page.get_by_label("Catalogue file").set_input_files(
        files=[{"name": "indicators.toml", "mimeType": "application/toml", "buffer": bad.encode()}]
    )
    await page.get_by_label("Day").fill("1")
    await page.get_by_label("Month").fill("4")
    await page.get_by_role("button", name="Check the file").click()

    # Then they are told which field is wrong, beside the field, and nothing is written
    await expect(page.locator(".nhsuk-error-summary")).to_contain_text("'weigth' is not a field of an indicator")
    await expect(page.locator("#file-error")).to_contain_text("'weigth' is not a field of an indicator")
    await expect(page.get_by_label("Day")).to_have_value("1")
    assert await accessibility_problems(page) == []
    assert await IndicatorVersion.count() == 16

    # When they upload the corrected file
    await page.get_by_label("Catalogue file").set_input_files(
        files=[{"name": "indicators.toml", "mimeType": "application/toml", "buffer": good.encode()}]
    )
    await page.get_by_role("button", name="Check the file").click()

    # Then they see the change, with nothing written yet
    await expect(page.get_by_role("heading", level=1)).to_have_text("Check the changes before applying them")
    await expect(page.get_by_text("Target: 10% → 30%")).to_be_visible()
    assert await accessibility_problems(page) == []
    assert await IndicatorVersion.count() == 16

    # When they apply it
    await page.get_by_role("button", name="Apply these changes").click()

    # Then the catalogue says what was applied, and the indicator has a second version
    await page.wait_for_url("**/admin/catalogue?done=*")
    await expect(page.get_by_role("status")).to_contain_text("1 indicator changed")
    assert await IndicatorVersion.count() == 17
    await page.get_by_role("link", name="Patients registered for online services").click()
    await expect(page.get_by_text("Target: 10% → 30%")).to_be_visible()
    assert await accessibility_problems(page) == []
