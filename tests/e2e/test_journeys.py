"""The tracker's main journeys, in a real browser against the real server, as given/when/then.

1. Practice user: sign in, open the due return, fix a validation error on a section page, save the
   sections, check the answers and submit.
2. CCG user: see the late practices, return one return with a reason, approve another, download
   the CCG workbook and read a figure from it.
3. National user: find the CCGs furthest behind, look at an indicator, open the CCG furthest
   behind, download the national workbook.
4. Administrator: invite a user, change a schedule, run a reminder job now, see the email in the
   outbox.
5. Keyboard only: journey 1 with no mouse is tests/returns/test_keyboard_journey.py.
"""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from playwright.async_api import expect

from tests.factories import make_org_tree
from tests.fixtures_server import browser_sign_in, screenshot
from tests.returns.factories import OPEN, PREVIOUS, complete_values, make_return, setup_catalogue
from tracker.maturity import service as maturity
from tracker.tables import Account, OutboxEmail, PracticeReturn

pytestmark = pytest.mark.browser


# --- Given ---------------------------------------------------------------------------------


async def given_a_ccg_in_its_return_window() -> dict[str, Any]:
    """CCG 00K as at 20 April 2018: last quarter A81001 was approved and A81002 sent nothing
    (late); this quarter both have submitted. CCG 11J's practices were approved last quarter."""
    await setup_catalogue()
    tree = await make_org_tree()
    a1, a2, b1, b2 = tree["practices"]
    await make_return(a1, PREVIOUS, "approved", complete_values(ERS_UTIL_PCT=72.0))
    await make_return(b1, PREVIOUS, "approved", complete_values(ERS_UTIL_PCT=40.0, LG_DIGITISED_PCT=10.0))
    await make_return(b2, PREVIOUS, "approved", complete_values(ERS_UTIL_PCT=45.0))
    await make_return(a1, OPEN, "submitted", complete_values(ERS_UTIL_PCT=75.0))
    await make_return(a2, OPEN, "submitted", complete_values(ERS_UTIL_PCT=20.0))
    await maturity.refresh_all()
    return tree


async def state_of(practice: dict[str, Any]) -> str:
    row = (
        await PracticeReturn.select(PracticeReturn.state, PracticeReturn.returned_reason)
        .where((PracticeReturn.practice == practice["id"]) & (PracticeReturn.period.code == OPEN))
        .first()
    )
    return f"{row['state']}: {row['returned_reason']}" if row["returned_reason"] else row["state"]


async def download(page: Any, link_text: str) -> openpyxl.Workbook:
    async with page.expect_download() as info:
        await page.get_by_role("link", name=link_text).click()
    download = await info.value
    data = await (await page.context.request.get(download.url)).body()
    return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)


# --- 1. Practice user ---------------------------------------------------------------------------


async def test_journey_1_practice_user_submits_the_due_return(page):
    # Given a practice whose return for the open period is half done
    await setup_catalogue()
    tree = await make_org_tree()
    values = complete_values()
    for code in ("PO_REG_PCT", "WIFI_LIVE", "OC_LIVE"):
        del values[code]
    await make_return(tree["practices"][0], OPEN, "draft", values)

    # When the practice manager signs in and opens the due return
    await browser_sign_in(page, tree["users"][next(iter(tree["users"]))]["email"])
    await page.get_by_role("link", name="Returns", exact=True).first.click()
    await page.get_by_role("link", name="2017/18 Q4").first.click()
    assert await page.locator("h1").inner_text() == "2017/18 Q4 return"

    # Then the return is a task list: the unfinished sections say so, and checking waits for them
    await expect(page.locator(".nhsuk-task-list").first).to_contain_text("In progress")
    await expect(page.locator(".nhsuk-task-list").last).to_contain_text("Cannot start yet")

    # When they open Online services, type a percentage that is not a number, and save
    await page.get_by_role("link", name="Online services").click()
    await page.locator("#PO_REG_PCT").fill("a quarter")
    await page.get_by_role("button", name="Save and continue").click()

    # Then the error summary says what is wrong, links to the field, and keeps what was typed
    summary = page.locator(".nhsuk-error-summary")
    await expect(summary).to_be_visible()
    assert "PO_REG_PCT" in (await summary.locator("a").first.get_attribute("href") or "")
    assert await page.locator("#PO_REG_PCT").input_value() == "a quarter"

    # When they fix it, answer the rest of the section, and save it
    await page.locator("#PO_REG_PCT").fill("27")
    await page.locator("input[name='OC_LIVE'][value='no']").check()
    await page.get_by_role("button", name="Save and continue").click()
    await page.wait_for_url("**?saved=draft")
    assert not await page.locator(".nhsuk-error-summary").count()

    # And the last section too
    await page.get_by_role("link", name="Infrastructure and governance").click()
    await page.locator("input[name='WIFI_LIVE'][value='yes']").check()
    await page.get_by_role("button", name="Save and continue").click()
    await page.wait_for_url("**?saved=draft")

    # And check their answers and submit
    await page.get_by_role("link", name="Check your answers and submit").click()
    await expect(page.locator("h1")).to_have_text("Check your answers before submitting the return")
    await page.get_by_role("button", name="Submit return").click()
    await page.wait_for_url("**?saved=submitted")

    # Then the return is submitted, and says so
    assert await state_of(tree["practices"][0]) == "submitted"
    assert "Submitted" in await page.locator("main").inner_text()
    await screenshot(page, "journey-1-submitted")


# --- 2. CCG user ----------------------------------------------------------------------------------


async def test_journey_2_ccg_lead_reviews_returns_and_reads_the_workbook(page):
    # Given a CCG whose practices have submitted, one of them late last quarter
    tree = await given_a_ccg_in_its_return_window()
    a1, a2 = tree["practices"][:2]

    # When the CCG lead signs in and looks at the returns by period
    await browser_sign_in(page, "lead@00k.test")
    await page.get_by_role("link", name="Review", exact=True).first.click()
    await page.get_by_role("link", name="See every practice's returns by period").click()

    # Then the late practice stands out: last quarter, now locked, is missed
    grid_row = page.locator("tr", has_text="Queens Park")
    assert "Missed" in await grid_row.inner_text()
    await screenshot(page, "journey-2-grid")

    # When they return Queens Park's return with a reason
    await page.goto("/review")
    await page.locator("#return-A81002 input[type=checkbox]").check()
    await page.get_by_label("Reason (needed to return them to the practices)").fill("e-RS at 20% looks wrong")
    await page.get_by_role("button", name="Return selected to practices").click()
    await expect(page.locator(".tracker-saved")).to_be_visible()

    # And approve The Densham Surgery's
    await page.locator("#return-A81001 input[type=checkbox]").check()
    await page.get_by_role("button", name="Approve selected").click()
    await expect(page.locator(".tracker-saved")).to_contain_text("approved")

    # Then each return is in the state the lead chose, with the reason kept
    assert await state_of(a2) == "returned: e-RS at 20% looks wrong"
    assert await state_of(a1) == "approved"

    # When they download the CCG workbook from their dashboard
    await page.goto("/dashboards")  # the header's Dashboards link: every role lands on its own
    await page.wait_for_url("**/dashboards/ccgs/00K**")
    book = await download(page, "Download as Excel (CCG summary, 2017/18 Q3)")

    # Then it names the CCG's practices, one row each
    practices = book["Practices"]
    rows = [r for r in practices.iter_rows(values_only=True) if r and r[0] in ("A81001", "A81002")]
    assert len(rows) == 2


# --- 3. National user ---------------------------------------------------------------------------


async def test_journey_3_national_user_finds_who_is_behind(page):
    # Given two CCGs, one well behind on e-referrals
    await given_a_ccg_in_its_return_window()

    # When a national user opens England's dashboard
    await browser_sign_in(page, "national@england.test")
    await page.get_by_role("link", name="Dashboards", exact=True).first.click()
    assert "England" in await page.locator("h1").inner_text()
    text = await page.locator("main").inner_text()

    # Then the CCGs are ranked furthest behind first: Dorset before Hartlepool and Stockton
    assert text.index("NHS Dorset CCG") < text.index("NHS Hartlepool and Stockton-on-Tees CCG")

    # And the e-Referral indicator's page shows the national picture for that indicator
    await page.goto("/dashboards/indicators/ERS_UTIL_PCT")
    assert "e-Referral" in await page.locator("h1").inner_text()

    # When they open the CCG furthest behind
    await page.goto("/dashboards/england")
    await page.get_by_role("link", name="NHS Dorset CCG").first.click()
    assert "NHS Dorset CCG" in await page.locator("h1").inner_text()
    await screenshot(page, "journey-3-ccg")

    # And download the national workbook
    await page.goto("/dashboards/england")
    book = await download(page, "Download as Excel (national summary, 2017/18 Q3)")

    # Then every sheet a national analyst expects is there
    assert {"About", "Summary", "Regions", "CCGs", "Practices", "Trend", "Indicators", "Funding"} <= set(
        book.sheetnames
    )


# --- 4. Administrator ---------------------------------------------------------------------------


async def test_journey_4_administrator_invites_schedules_and_sends(page):
    # Given a CCG in its return window, whose other practices have not started this quarter
    await given_a_ccg_in_its_return_window()

    # When an administrator invites a new practice user
    await browser_sign_in(page, "admin@england.test")
    await page.goto("/admin")
    await page.get_by_role("link", name="Users").first.click()
    await page.goto("/admin/users/invite")
    await page.get_by_label("Email address").fill("new.manager@a81002.test")
    await page.get_by_label("Full name").fill("New Manager")
    await page.get_by_label("Role").select_option("practice")
    await page.locator("#org").fill("A81002")
    await page.get_by_role("button", name="Send invitation").click()
    await page.wait_for_url(lambda url: not url.endswith("/invite"))

    # Then the account exists and its invitation waits in the outbox
    assert await Account.exists().where(Account.email == "new.manager@a81002.test")
    assert await OutboxEmail.exists().where(OutboxEmail.to_address == "new.manager@a81002.test")

    # When they change when practice reminders run
    await page.goto("/admin/schedules")
    await page.get_by_role("link", name="Practice reminder", exact=True).click()
    await page.get_by_label("When it runs (cron: minute hour day-of-month month day-of-week)").fill("30 6 * * 1-5")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Save schedule").click()
    assert (
        "weekday" in (await page.locator("main").inner_text()).lower()
        or "monday" in (await page.locator("main").inner_text()).lower()
    )

    # And run the reminders now
    async with page.expect_navigation():
        await page.get_by_role("button", name="Run now").click()

    # Then the reminder to the practice that has not started is in the outbox
    await page.goto("/admin/emails")
    outbox = await page.locator("main").inner_text()
    assert "practice@j81001.test" in outbox
    assert "2017/18 Q4" in outbox
    await screenshot(page, "journey-4-outbox")
