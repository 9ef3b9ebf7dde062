"""Each practice's forecast of reaching the Paperless level: the arithmetic, kept with the scores
when they are refreshed, and one figure on the dashboards and in the workbook."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from typing import Any

import openpyxl
import pytest

from tests.conftest import sign_in
from tests.maturity.scenario import add_return, scored_world, values_for
from tracker import db
from tracker.accounts.principal import Role
from tracker.exports import service as exports
from tracker.exports.calculations import FORECAST_SHARE_HEADING
from tracker.figures import rules
from tracker.maturity import calculations as calc
from tracker.maturity import presenters, service
from tracker.tables import PracticeScore

D = dt.date
PERIOD = "2017/18-Q3"
TODAY = dt.date(2018, 4, 20)


def quarters(values: list[float], first: dt.date = D(2015, 6, 30)) -> list[tuple[dt.date, float]]:
    """One value per quarter end from `first`."""
    ends = [D(2015, 6, 30), D(2015, 9, 30), D(2015, 12, 31), D(2016, 3, 31)]
    out = []
    for i, v in enumerate(values):
        end = ends[i % 4]
        out.append((end.replace(year=end.year + i // 4 + first.year - 2015), v))
    return out


# --- The arithmetic -------------------------------------------------------------------------


def test_steady_improvement_gives_the_date_the_line_reaches_80():
    # 10 points a year from 50: 80 three years after the first value.
    history = [(D(2015, 3, 31), 50.0), (D(2016, 3, 31), 60.0), (D(2017, 3, 31), 70.0)]
    found = calc.practice_forecast(history)
    assert found.reason == "" and not found.reached
    assert found.met_on is not None and abs((found.met_on - D(2018, 3, 31)).days) <= 2
    assert found.made
    # Quarterly: 4 points a quarter from 60 reaches 80 five quarters after the first value.
    quick = calc.practice_forecast(quarters([60, 64, 68, 72]))
    assert quick.met_on is not None and abs((quick.met_on - D(2016, 9, 30)).days) <= 3 and quick.by_deadline


def test_a_flat_or_falling_line_has_no_date():
    for values in ([55, 55, 55, 55], [70, 65, 60]):
        found = calc.practice_forecast(quarters(values))
        assert found.met_on is None and found.reason == calc.NOT_IMPROVING == "not improving, so no date on this trend"
        assert found.made and not found.by_deadline  # counted, as not meeting the target


def test_too_few_returns_give_the_reason():
    assert calc.practice_forecast([]).reason == calc.NOT_ENOUGH_RETURNS == "not enough returns to forecast"
    found = calc.practice_forecast(quarters([40, 60]))
    assert found.met_on is None and found.reason == "not enough returns to forecast" and not found.made


def test_a_practice_already_at_80_has_the_date_it_got_there():
    found = calc.practice_forecast(quarters([60, 81, 79, 82, 85]))
    assert found.reached and found.met_on == D(2016, 3, 31)  # the run at 80 or more since the 4th value
    assert calc.practice_forecast(quarters([85])).met_on == D(2015, 6, 30)  # one return is enough


def test_only_the_last_8_values_count_and_a_date_is_never_in_the_past():
    # Falling for two years, then rising for two: only the rise counts.
    found = calc.practice_forecast(quarters([70, 66, 62, 58, 54, 50, 46, 42, 44, 46, 48, 50, 52, 54, 56, 58]))
    assert found.met_on is not None
    # A line above the latest value: from the latest value at the line's pace.
    bumpy = quarters([40, 79, 60, 70, 65])
    found = calc.practice_forecast(bumpy)
    assert found.met_on is not None and found.met_on > bumpy[-1][0]


def test_the_share_counts_practices_with_a_forecast():
    f = calc.PracticeForecast
    forecasts = [
        f(D(2017, 12, 31), ""),  # in time
        f(D(2018, 3, 31), ""),  # on the deadline: in time
        f(D(2019, 1, 1), ""),  # late
        f(None, calc.NOT_IMPROVING),  # counted, not in time
        f(None, calc.NOT_ENOUGH_RETURNS),  # not counted
        None,  # not worked out: not counted
    ]
    assert calc.forecast_share(forecasts) == (2, 4)


def test_the_definition_says_what_the_code_does():
    words = rules.definition("Forecast")
    assert calc.PAPERLESS_MATURITY == 80 and "reach 80 (the Paperless level)" in words
    assert f"last {calc.FORECAST_MAX_POINTS} approved returns" in words
    assert f"at least {calc.FORECAST_MIN_POINTS} are needed" in words
    assert f"'{calc.NOT_ENOUGH_RETURNS}'" in words
    assert calc.PAPERLESS_DEADLINE == D(2018, 3, 31) and "by 31 March 2018" in words


def test_the_practice_forecast_in_plain_words():
    f = calc.PracticeForecast
    assert presenters.practice_forecast_words(f(D(2017, 9, 30), ""), False) == (
        "On its trend, this practice reaches maturity 80 (the Paperless level) on about 30 September 2017, "
        "before the 31 March 2018 deadline."
    )
    assert "after the 31 March 2018 deadline" in presenters.practice_forecast_words(f(D(2019, 6, 1), ""), False)
    reached = presenters.practice_forecast_words(f(D(2016, 3, 31), "", reached=True), False)
    assert reached == "This practice reached maturity 80 (the Paperless level) in the period ending 31 March 2016."
    few = presenters.practice_forecast_words(f(None, calc.NOT_ENOUGH_RETURNS), True)
    assert few.startswith("Not enough returns to forecast: it needs at least 3 approved returns.")
    assert few.endswith("This forecast is provisional: this period's returns can still change.")
    assert "not improving" in presenters.practice_forecast_words(f(None, calc.NOT_IMPROVING), False)


# --- Kept with the scores ----------------------------------------------------------------------


async def forecast_of(practice_id: int, period_id: int) -> tuple[Any, Any]:
    rows = await db.fetch(
        "SELECT forecast_on, forecast_note FROM practice_score WHERE practice = {} AND period = {}",
        practice_id,
        period_id,
    )
    return rows[0]["forecast_on"], rows[0]["forecast_note"]


async def test_refreshing_scores_stores_each_periods_forecast_from_the_history_up_to_it(clean_db):
    world = await scored_world()
    keen, lagging, _, silent = world["practices"]
    by_code = world["periods"]
    # The lagging practice: two approved returns by 2016/17 Q2 are too few; three by Q3 give a date.
    assert await forecast_of(lagging["id"], by_code["2016/17-Q2"]["id"]) == (None, calc.NOT_ENOUGH_RETURNS)
    early = service.stored_forecast(*await forecast_of(lagging["id"], by_code["2016/17-Q3"]["id"]))
    assert early is not None and early.met_on is not None and not early.by_deadline
    # The keen one reached 80 in 2016/17 Q2 and keeps that date.
    reached = service.stored_forecast(*await forecast_of(keen["id"], by_code[PERIOD]["id"]))
    assert reached is not None and reached.reached and reached.met_on == by_code["2016/17-Q2"]["end_date"]
    # Each period's forecast is made from the returns up to it: the stored one equals the arithmetic.
    detail = await service.practice_detail(lagging["id"])
    upto = [p for p in detail.scoring if p.start_date <= by_code[PERIOD]["start_date"]]
    points = [(p.end_date, s.maturity) for p, s in zip(upto, detail.history, strict=False) if s.maturity is not None]
    stored = service.stored_forecast(*await forecast_of(lagging["id"], by_code[PERIOD]["id"]))
    assert stored is not None and stored.met_on == calc.practice_forecast(points).met_on
    assert stored.met_on != early.met_on
    # A practice that never sent a return: the reason.
    assert await forecast_of(silent["id"], by_code[PERIOD]["id"]) == (None, calc.NOT_ENOUGH_RETURNS)
    # Every row has one or the other, and the organisations count them.
    missing = await db.fetch(
        "SELECT COUNT(*) AS n FROM practice_score WHERE forecast_on IS NULL AND forecast_note IS NULL"
    )
    assert missing[0]["n"] == 0
    ccg = (await service.org_scores("ccg", by_code[PERIOD]["id"], world["ccgs"][0]["id"]))[world["ccgs"][0]["id"]]
    assert (ccg.forecast_met, ccg.forecast_made, ccg.share_forecast_met) == (1, 2, 50.0)


async def test_an_approval_refreshes_the_forecasts_from_its_period_on(clean_db):
    world = await scored_world()
    silent = world["practices"][3]
    by_code = world["periods"]
    for step, code in enumerate(("2017/18-Q1", "2017/18-Q2", "2017/18-Q3")):
        await add_return(silent, by_code[code], values_for(step, keen=False))
        await service.refresh_practice(silent["id"], by_code[code]["id"])
    assert (await forecast_of(silent["id"], by_code["2017/18-Q2"]["id"]))[1] == calc.NOT_ENOUGH_RETURNS
    on, _ = await forecast_of(silent["id"], by_code["2017/18-Q3"]["id"])
    assert on is not None
    # The first return of a new period scores it for everyone, each with the forecast from its history.
    q4 = by_code["2017/18-Q4"]
    await PracticeScore.delete().where(PracticeScore.period == q4["id"])
    await add_return(silent, q4, values_for(3, keen=False))
    await service.refresh_practice(silent["id"], q4["id"])
    keen = world["practices"][0]
    assert (await forecast_of(keen["id"], q4["id"]))[0] is not None  # no approved Q4 return: still its history


async def test_scores_without_forecasts_are_rescored(clean_db):
    await scored_world()
    await PracticeScore.update({PracticeScore.forecast_on: None, PracticeScore.forecast_note: None}, force=True)
    assert await service.ensure_scored(TODAY)
    assert not await service.ensure_scored(TODAY)


# --- One figure on the dashboards and in the workbook ---------------------------------------


def dashboard_share(html: str) -> tuple[int, int, int]:
    """(percent, forecast to meet, with a forecast) from a dashboard's summary list."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    found = re.search(
        r"Practices forecast to reach maturity 80 by 31 March 2018 (\d+)%: (\d+) of (\d+) practices", text
    )
    assert found, text[:3000]
    return int(found.group(1)), int(found.group(2)), int(found.group(3))


def rows_of(ws: Any) -> list[dict[str, Any]]:
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=False)) for row in values[1:]]


@pytest.fixture
async def world(clean_db):
    return await scored_world()


async def test_the_share_forecast_to_meet_is_the_same_on_dashboards_and_in_the_workbook(client, world):
    await sign_in(client, world["users"][Role.NATIONAL]["email"])
    _, content = await exports.workbook_bytes("national", None, PERIOD, TODAY)
    book = openpyxl.load_workbook(io.BytesIO(content))
    compared = 0
    for sheet, key, path in (("CCGs", "CCG code", "ccgs"), ("Regions", "Region code", "regions")):
        for row in rows_of(book[sheet]):
            page = await client.get(f"/dashboards/{path}/{row[key]}", params={"period": PERIOD})
            assert page.status_code == 200
            percent, met, made = dashboard_share(page.text)
            cell = row[FORECAST_SHARE_HEADING]
            assert isinstance(cell, int | float) and round(100 * cell) == percent == round(100 * met / made)
            compared += 1
    assert compared == 4  # two CCGs, two regions
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(min_row=4, values_only=True)}
    page = await client.get("/dashboards/england", params={"period": PERIOD})
    assert round(100 * summary[FORECAST_SHARE_HEADING.removesuffix(" (%)")]) == dashboard_share(page.text)[0]


async def test_every_practice_row_of_the_national_workbook_has_a_forecast_date_or_the_reason(world):
    _, content = await exports.workbook_bytes("national", None, PERIOD, TODAY)
    book = openpyxl.load_workbook(io.BytesIO(content))
    rows = rows_of(book["Practices"])
    assert len(rows) == 4
    for row in rows:
        cell = row["Forecast date"]
        assert isinstance(cell, dt.datetime) or cell == "not enough returns to forecast", (row["ODS code"], cell)
    by_code = {r["ODS code"]: r["Forecast date"] for r in rows}
    assert isinstance(by_code["A81001"], dt.datetime) and by_code["J81002"] == "not enough returns to forecast"
    about = {r[1]: r[2] for r in book["About"].iter_rows(values_only=True)}
    assert about["Forecast"] == rules.definition("Forecast")
    assert "forecast" not in str(about.get("Not available yet", ""))


async def test_the_practice_dashboard_gives_its_forecast_in_plain_words(client, world):
    await sign_in(client, world["users"][Role.PRACTICE]["email"])
    page = await client.get("/dashboards/practices/A81001", params={"period": PERIOD})
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
    assert re.search(r"Forecast: (On its trend, this practice reaches|This practice reached) maturity 80", text), text
    # The open period is provisional: so is the forecast made in it, on every dashboard showing one.
    page = await client.get("/dashboards/practices/A81001", params={"period": "2017/18-Q4"})
    assert "This forecast is provisional: this period's returns can still change." in html.unescape(page.text)
    await sign_in(client, world["users"][Role.CCG]["email"])
    page = await client.get("/dashboards/ccgs/00K", params={"period": "2017/18-Q4"})
    words = "practices with a forecast (England 67%), provisional: this period's returns can still change"
    assert words in html.unescape(page.text)
