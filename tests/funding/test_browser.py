"""In a real browser against the real server: NHS England previews and approves a fair-share
run, then reads what the money bought."""

import datetime as dt

import pytest

from tests.factories import make_org_tree, make_practice
from tests.fixtures_server import ARTIFACTS, browser_sign_in, screenshot
from tracker.accounts.principal import Role
from tracker.funding import awards_service, service
from tracker.funding.streams import ensure_standard_streams
from tracker.funding.xlsx import parse_upload
from tracker.periods import service as periods
from tracker.periods.calculations import year_periods
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


async def test_ccg_lead_saves_a_forecast_for_2018_19_and_mistypes_an_award_date(page):
    # Given a CCG lead, the tracker holding 2014/15 to 2018/19 and a fair share for 2015/16 only
    tree = await make_org_tree()
    await ensure_standard_streams()
    await periods.ensure_periods()
    await periods.create_periods(year_periods(2018), apply=True)
    plan = await service.plan_allocation(
        pot_pence=14_000_000, stream_code="GPIT_REVENUE", financial_year="2015/16", basis="register"
    )
    await service.approve_run(await service.save_plan(plan, service.Actor()), service.Actor())
    await browser_sign_in(page, tree["users"][Role.CCG]["email"])
    await page.goto("/funding/ccgs/00K")

    # When they forecast 2018/19's revenue outturn
    await page.get_by_label("Financial year", exact=True).first.select_option("2018/19")
    await page.get_by_label("Quarter the forecast is made in").select_option("2")
    await page.get_by_label("Forecast outturn in pounds").fill("4,000")
    await page.get_by_role("button", name="Save forecast").click()
    await page.wait_for_url("**/funding/ccgs/00K?saved=forecast*")

    # Then a success banner confirms it and the 2018/19 row shows it
    banner = page.locator(".nhsuk-notification-banner--success")
    assert await banner.is_visible()
    assert "Forecast saved: £4,000 for GP IT revenue (fair share) in 2018/19" in await banner.inner_text()
    row = page.locator("tr", has_text="2018/19 GP IT revenue")
    assert "£4,000 (made in Q2)" in await row.inner_text()
    await screenshot(page, "funding-forecast-saved")

    # When they record an award on 31 February
    await page.get_by_text("Record an award to a practice").click()
    await page.get_by_label("Practice ODS code").fill("A81001")
    date = page.get_by_role("group", name="Date of the award")
    await date.get_by_label("Day").fill("31")
    await date.get_by_label("Month").fill("2")
    await date.get_by_label("Year").fill("2018")
    await page.locator("#amount").fill("1200")
    await page.get_by_role("button", name="Record award").click()
    await page.wait_for_load_state()

    # Then the error summary links to the day box, and what they typed is still there
    summary = page.locator(".nhsuk-error-summary")
    assert await summary.is_visible()
    await summary.get_by_role("link", name="Date of the award must be a real date").click()
    assert await page.evaluate("document.activeElement.id") == "award_date-day"
    assert await date.get_by_label("Day").input_value() == "31"
    assert await date.get_by_label("Year").input_value() == "2018"
    assert await page.get_by_label("Funding stream").first.input_value() == "GPIT_REVENUE", "other forms keep defaults"
    # The picture shows the award form with the day box marked (not hidden by the focus ring).
    await page.evaluate("document.activeElement.blur(); document.querySelector('#practice_code').scrollIntoView()")
    await page.evaluate("window.scrollBy(0, -60)")
    await page.screenshot(path=str(ARTIFACTS / "date-input-error.png"))
