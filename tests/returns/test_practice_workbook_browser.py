"""In a real browser against the real server (Chromium): a practice downloads its return as a
workbook, fills it in as a person would in Excel (here with openpyxl), uploads it, is told of the
one cell it got wrong, corrects it, checks the preview and submits. The pages it passes through
are checked with axe (WCAG 2.2 AA) at 1280 px and 320 px."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.async_api import expect

from tests.factories import make_org_tree
from tests.fixtures_server import browser_sign_in
from tests.returns.factories import OPEN, PREVIOUS, complete_values, make_return, setup_catalogue
from tests.weekly.browser import accessibility_problems, axe_page  # noqa: F401 (axe_page is a fixture)
from tracker.indicators.catalogue import load_catalogue
from tracker.returns import practice_workbook as pwb
from tracker.tables import PracticeReturn, ReturnValue

pytestmark = pytest.mark.browser

NAMES = {s.code: s.name for s in load_catalogue()}


def fill_in(downloaded: Path, saved_as: Path, answers: dict[str, Any]) -> None:
    """What the practice manager does in Excel: find each question's row, type the answer, save."""
    wb = load_workbook(downloaded)
    ws = wb[pwb.DATA_SHEET]
    rows = {ws.cell(row=r, column=pwb.QUESTION).value: r for r in range(pwb.FIRST_ROW, ws.max_row + 1)}
    for code, value in answers.items():
        ws.cell(row=rows[NAMES[code]], column=pwb.VALUE).value = value
    wb.save(saved_as)


async def upload(page: Any, path: Path, *, submit: bool) -> None:
    await page.get_by_label("Your return workbook").set_input_files(str(path))
    if submit:
        await page.get_by_label("Submit the return to your CCG").check()
    else:
        await page.get_by_label("Save the return as a draft").check()
    await page.get_by_role("button", name="Upload and check").click()


async def test_a_practice_fills_in_its_return_offline_in_a_workbook(axe_page: Any, tmp_path: Path) -> None:  # noqa: F811
    page = axe_page
    # Given a practice with a draft 2017/18 Q4 return, two questions unanswered, and last period approved
    await setup_catalogue()
    tree = await make_org_tree()
    practice = tree["practices"][0]
    await make_return(practice, PREVIOUS, "approved", complete_values(PO_REG_PCT=20.0))
    draft = {k: v for k, v in complete_values().items() if k not in ("ERD_PCT", "OC_LIVE")}
    await make_return(practice, OPEN, "draft", draft)

    # When the practice manager signs in and opens the workbook page from their returns
    await browser_sign_in(page, "practice@a81001.test")
    await page.goto("/returns")
    await page.get_by_role("link", name="Fill in the 2017/18 Q4 return offline in a workbook").click()

    # Then the page offers the return's workbook
    await expect(page.get_by_role("heading", level=1)).to_have_text("2017/18 Q4 return in a workbook")
    assert await accessibility_problems(page) == []

    # When they download it
    async with page.expect_download() as info:
        await page.get_by_role("link", name="Download the 2017/18 Q4 return workbook (.xlsx)").click()
    download = await info.value
    assert download.suggested_filename == "return-A81001-2017-18-Q4.xlsx"
    downloaded = tmp_path / download.suggested_filename
    await download.save_as(downloaded)

    # Then it holds the draft's answers, last period's for reference, and the practice's name
    ws = load_workbook(downloaded)[pwb.DATA_SHEET]
    assert "The Densham Surgery (A81001)" in ws["A1"].value
    by_name = {row[pwb.QUESTION - 1]: row for row in ws.iter_rows(min_row=pwb.FIRST_ROW, values_only=True)}
    assert by_name[NAMES["PO_REG_PCT"]][pwb.VALUE - 1] == 24.0
    assert by_name[NAMES["PO_REG_PCT"]][pwb.PREVIOUS - 1] == "20%"
    assert by_name[NAMES["ERD_PCT"]][pwb.VALUE - 1] is None

    # When they fill it in with one slip (a percentage over 100) and upload it to submit
    slipped = tmp_path / "slipped.xlsx"
    fill_in(downloaded, slipped, {"PO_REG_PCT": 31.5, "ERD_PCT": 140, "OC_LIVE": "Yes"})
    await upload(page, slipped, submit=True)

    # Then nothing is saved and the problem is named by row and question, in words
    await expect(page.locator(".nhsuk-error-summary")).to_contain_text("The workbook has 1 problem: nothing was saved")
    problems = page.locator(".tracker-problems li")
    await expect(problems).to_have_count(1)
    await expect(problems).to_contain_text(f"({NAMES['ERD_PCT']}), value: Percentage for")
    await expect(problems).to_contain_text("must be between 0 and 100 (found '140')")
    assert await page.get_by_role("button", name="Submit the return").count() == 0
    assert await PracticeReturn.count() == 2 and await ReturnValue.count() == 16 + 14
    assert await accessibility_problems(page) == []

    # When they correct the cell and upload the workbook again
    await page.get_by_role("link", name="Upload a corrected workbook").click()
    corrected = tmp_path / "corrected.xlsx"
    fill_in(downloaded, corrected, {"PO_REG_PCT": 31.5, "ERD_PCT": 14, "OC_LIVE": "Yes"})
    await upload(page, corrected, submit=True)

    # Then the preview shows each change, old and new, and the return going to the CCG
    await expect(page.get_by_role("heading", level=1)).to_have_text("Check the changes before saving them")
    changes = page.get_by_role("table")
    await expect(changes).to_contain_text(NAMES["PO_REG_PCT"])
    await expect(changes.get_by_role("row", name=NAMES["PO_REG_PCT"])).to_contain_text("24%")
    await expect(changes.get_by_role("row", name=NAMES["PO_REG_PCT"])).to_contain_text("31.5%")
    await expect(changes.get_by_role("row", name="Status")).to_contain_text("Submitted")
    assert await accessibility_problems(page) == []

    # When they submit it
    await page.get_by_role("button", name="Submit the return").click()
    await page.wait_for_url("**?saved=submitted")

    # Then the return is submitted and shows the workbook's values
    await expect(page.get_by_role("status")).to_contain_text("submitted to your CCG for review")
    # (the return's summary: each question beside its answer)
    for code, shown in (("PO_REG_PCT", "31.5%"), ("ERD_PCT", "14%"), ("OC_LIVE", "Yes")):
        answer = page.locator(".nhsuk-summary-list__row", has=page.locator("dt", has_text=NAMES[code]))
        await expect(answer.locator("dd").first).to_contain_text(shown)
    row = await PracticeReturn.select().where(PracticeReturn.state == "submitted").first()
    assert row is not None and row["version"] == 2
