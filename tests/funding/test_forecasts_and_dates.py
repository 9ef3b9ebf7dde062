"""Issue 18: forecasts and budgets for every financial year the tracker holds, a confirmation
after each save, and the award date typed in day, month and year boxes."""

from __future__ import annotations

import re

from tests.conftest import post_form, sign_in
from tests.factories import make_org_tree
from tests.pages import check_page
from tracker.funding import presenters, service
from tracker.funding.reallocation_service import LatestForecast, SavedForecast
from tracker.funding.streams import ensure_standard_streams
from tracker.periods import service as periods
from tracker.periods.calculations import year_periods
from tracker.tables import FundingForecast, PracticeAward

CCG_PAGE = "/funding/ccgs/00K"
YEARS = ["2014/15", "2015/16", "2016/17", "2017/18", "2018/19"]


def _row_texts(html: str) -> list[str]:
    body = html[html.index('id="budget"') : html.index('id="forecasts"')]
    rows = re.findall(r"<tr class=\"nhsuk-table__row\">(.*?)</tr>", body, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", r).split()) for r in rows]


def test_budget_rows_cover_every_year_and_every_forecast() -> None:
    budgets = [
        service.Budget(
            ccg_id=1,
            stream_id=1,
            financial_year="2015/16",
            fair_share_pence=100_00,
            transition_pence=0,
            capital_pence=0,
            adjustment_pence=0,
        )
    ]
    forecasts = {
        (1, "2015/16"): LatestForecast(ccg_id=1, stream_id=1, financial_year="2015/16", quarter=3, outturn_pence=90_00),
        (1, "2018/19"): LatestForecast(
            ccg_id=1, stream_id=1, financial_year="2018/19", quarter=2, outturn_pence=4_000_00
        ),
    }
    rows = presenters.budget_rows(budgets, {1: "GP IT revenue"}, forecasts, ["2014/15", "2015/16", "2016/17"])
    assert [(r["year"], r["empty"]) for r in rows] == [
        ("2014/15", True),
        ("2015/16", False),
        ("2016/17", True),
        ("2018/19", False),  # a forecast for a year without periods is still shown
    ]
    assert rows[1]["variance"] == "£10 underspend" and rows[1]["forecast"] == "£90 (made in Q3)"
    assert rows[3]["budget"] == "Not allocated" and rows[3]["forecast"] == "£4,000 (made in Q2)"
    assert rows[3]["variance"] == "No budget to compare with"


def test_saved_messages() -> None:
    forecast = SavedForecast(
        id=1, outturn_pence=4_000_00, stream_name="GP IT revenue", financial_year="2018/19", quarter=2
    )
    assert presenters.saved_message("forecast", forecast).startswith(
        "Forecast saved: £4,000 for GP IT revenue in 2018/19, made in Q2."
    )
    assert presenters.saved_message("forecast", None) == ""
    assert presenters.saved_message("upload", count="1") == "1 award recorded from the file."
    assert presenters.saved_message("upload", count="x") == ""
    assert presenters.saved_message("anything") == ""


async def _tree_with_years() -> dict:
    tree = await make_org_tree()
    await ensure_standard_streams()
    await periods.ensure_periods()  # 2014/15 to 2017/18
    await periods.create_periods(year_periods(2018), apply=True)
    plan = await service.plan_allocation(
        pot_pence=1_000_000, stream_code="GPIT_REVENUE", financial_year="2015/16", basis="register"
    )
    await service.approve_run(await service.save_plan(plan, service.Actor()), service.Actor())
    return tree


async def test_a_forecast_for_2018_19_is_confirmed_and_shown_for_its_year(client):
    await _tree_with_years()
    await sign_in(client, "lead@00k.test")
    page = await client.get(CCG_PAGE)
    check_page(page.text)
    rows = _row_texts(page.text)
    assert [r.split()[0] for r in rows] == YEARS, "every year the tracker holds has a row"
    assert rows[4] == "2018/19 No allocation or forecast yet"
    assert all(f'<option value="{y}"' in page.text for y in YEARS), "every year can be forecast"

    saved = await post_form(
        client,
        f"{CCG_PAGE}/forecasts",
        {"forecast_stream": "GPIT_REVENUE", "year": "2018/19", "quarter": "2", "outturn": "4,000"},
        token_from=CCG_PAGE,
        follow_redirects=False,
    )
    assert saved.status_code == 303
    forecast_id = (await FundingForecast.select(FundingForecast.id).first())["id"]
    assert saved.headers["location"] == f"{CCG_PAGE}?saved=forecast&forecast={forecast_id}"
    page = await client.get(saved.headers["location"])
    check_page(page.text)
    assert "nhsuk-notification-banner--success" in page.text
    assert "Forecast saved: £4,000 for GP IT revenue (fair share) in 2018/19, made in Q2." in page.text
    rows = _row_texts(page.text)
    assert "2018/19 GP IT revenue (fair share) – – – – Not allocated £4,000 (made in Q2)" in rows[4]

    # Another CCG's forecast id confirms nothing.
    other = await client.get(f"{CCG_PAGE}?saved=forecast&forecast={forecast_id + 1}")
    assert "nhsuk-notification-banner" not in other.text

    refused = await post_form(
        client,
        f"{CCG_PAGE}/forecasts",
        {"forecast_stream": "GPIT_REVENUE", "year": "2031/32", "quarter": "2", "outturn": "1"},
        token_from=CCG_PAGE,
    )
    assert refused.status_code == 422 and "Choose the financial year of the forecast" in refused.text
    assert await FundingForecast.count() == 1


async def test_bids_and_transition_applications_choose_their_year(client):
    await _tree_with_years()
    await sign_in(client, "lead@00k.test")
    page = await client.get(CCG_PAGE)
    for field in ("bid_year", "transition_year"):
        assert f'<select class="nhsuk-select" id="{field}" name="{field}">' in page.text, field
    bid = {"title": "Wi-Fi in every surgery", "bid_amount": "12,000", "bid_stream": "GPIT_CAPITAL"}
    refused = await post_form(client, f"{CCG_PAGE}/bids", {**bid, "bid_year": "next year"}, token_from=CCG_PAGE)
    assert refused.status_code == 422
    check_page(refused.text)
    assert (
        "Choose the financial year of the bid" in refused.text and 'aria-describedby="bid_year-error"' in refused.text
    )
    assert 'value="Wi-Fi in every surgery"' in refused.text  # what was typed is kept
    saved = await post_form(
        client, f"{CCG_PAGE}/bids", {**bid, "bid_year": "2018/19"}, token_from=CCG_PAGE, follow_redirects=False
    )
    assert saved.status_code == 303
    application = {"committed": "100,000", "requested": "5,000"}
    refused = await post_form(
        client, f"{CCG_PAGE}/transition", {**application, "transition_year": "2099/00"}, token_from=CCG_PAGE
    )
    assert refused.status_code == 422 and "Choose the financial year of the application" in refused.text


async def test_award_date_in_day_month_year_boxes(client):
    await _tree_with_years()
    await sign_in(client, "lead@00k.test")
    page = await client.get(CCG_PAGE)
    assert 'name="award_date-day" type="text" value="20"' in page.text, "today is filled in"
    award = {"practice_code": "A81001", "amount": "100", "award_stream": "GPIT_REVENUE"}
    for day, month, year, message, box in (
        ("31", "2", "2018", "Date of the award must be a real date", "day"),
        ("", "", "", "Enter the date of the award", "day"),
        ("3", "", "2018", "Enter the month", "month"),
        ("3", "11", "14", "Year must include 4 numbers", "year"),
        ("1", "5", "2019", "The award date must not be in the future", "day"),
    ):
        form = {**award, "award_date-day": day, "award_date-month": month, "award_date-year": year}
        bad = await post_form(client, f"{CCG_PAGE}/awards", form, token_from=CCG_PAGE)
        assert bad.status_code == 422, message
        check_page(bad.text)
        assert message in bad.text
        assert f'href="#award_date-{box}"' in bad.text, message
        for part, typed in (("day", day), ("month", month), ("year", year)):
            assert f'name="award_date-{part}" type="text" value="{typed}"' in bad.text, "what was typed is kept"
    assert await PracticeAward.count() == 0
    both = await post_form(
        client,
        f"{CCG_PAGE}/awards",
        {**award, "practice_code": "J81001", "award_date-day": "x", "award_date-month": "1", "award_date-year": "2018"},
        token_from=CCG_PAGE,
    )
    summary = both.text[both.text.index("There is a problem") :]
    assert summary.index("#practice_code") < summary.index("#award_date-day"), "the summary follows the form"

    ok = await post_form(
        client,
        f"{CCG_PAGE}/awards",
        {**award, "award_date-day": "3", "award_date-month": "Nov", "award_date-year": "2014"},
        token_from=CCG_PAGE,
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"] == f"{CCG_PAGE}?saved=award"
    award_row = await PracticeAward.select(PracticeAward.award_date).first()
    assert str(award_row["award_date"])[:10] == "2014-11-03"
    confirmed = await client.get(ok.headers["location"])
    assert "Award recorded." in confirmed.text
