"""In a real browser against the real server: NHS England previews and approves a fair-share
run, then reads what the money bought."""

import datetime as dt

import pytest

from tests.factories import make_org_tree, make_practice
from tests.fixtures_server import browser_sign_in, screenshot
from tracker.accounts.principal import Role
from tracker.funding import awards_service, service
from tracker.funding.streams import ensure_standard_streams
from tracker.funding.xlsx import parse_upload
from tracker.periods import service as periods
from tracker.tables import Period, PracticeScore

pytestmark = pytest.mark.browser


async def _scores_and_award(tree: dict) -> None:
    ccg = tree["ccgs"][0]
    extra = [await make_practice(ccg, f"A8101{i}") for i in range(3)]
    await periods.ensure_periods()
    ids = {r["code"]: r["id"] for r in await Period.select(Period.id, Period.code)}
    now = dt.datetime.now(dt.UTC)
    funded = tree["practices"][0]
    for practice, before, after in ((funded, 40, 62), *((p, 41, 48) for p in [tree["practices"][1], *extra])):
        for code, value in (("2014/15-Q2", before), ("2017/18-Q3", after)):
            await PracticeScore.insert(
                PracticeScore(practice=practice["id"], period=ids[code], maturity=value, computed_at=now)
            )
    rows = parse_upload(
        "a.csv", b"practice_code,award_date,amount,stream,purpose\nA81001,2014-11-03,12000,GPIT_CAPITAL,Scanning\n"
    )
    checked = await awards_service.validate(rows, ccg["id"], dt.date(2018, 4, 20))
    await awards_service.record(checked.awards, ccg["id"], service.Actor())


async def test_national_user_approves_a_run_and_reads_what_the_money_bought(page):
    tree = await make_org_tree()
    await ensure_standard_streams()
    await _scores_and_award(tree)
    await browser_sign_in(page, tree["users"][Role.NATIONAL]["email"])
    await page.goto("/funding/runs/new")
    await page.get_by_label("Financial year").fill("2018/19")
    await page.get_by_label("Pot in pounds").fill("£140,000")
    await page.get_by_label("the practice's CCG in the organisation register").check()
    await page.get_by_role("button", name="Preview the allocation").click()
    await page.wait_for_url("**/funding/runs/1")
    assert await page.locator("strong.nhsuk-tag").first.inner_text() == "Preview"
    await page.get_by_role("button", name="Approve this run").click()
    await page.wait_for_load_state()
    assert await page.locator("strong.nhsuk-tag").first.inner_text() == "Approved"
    await page.goto("/funding")
    assert await page.locator("h1").inner_text() == "Funding"
    await screenshot(page, "funding-overview-test")
    await page.get_by_role("link", name="what the money bought").first.click()
    await page.wait_for_url("**/funding/impact")
    assert await page.locator("h1").inner_text() == "What the money bought"
    assert await page.get_by_text("This shows an association, not proof.").is_visible()
    assert await page.get_by_text("improved 15.0 points more than similar practices").is_visible()
    await screenshot(page, "funding-what-the-money-bought-test")
