"""A feed's figure in two places: the practice and CCG dashboards show NHS Choices' EPS flag beside
the self-reported one for 2015/16 Q4, and the CCG and national workbooks' "National feeds" sheet
holds the same figures (the real NHS Choices file on the real ODS file of July 2015)."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import openpyxl

from tests.conftest import SHARED_DATA, sign_in
from tests.factories import make_account
from tests.returns.factories import complete_values, make_return, setup_catalogue
from tracker.accounts.principal import Role
from tracker.exports import service as exports
from tracker.feeds import service as feeds
from tracker.feeds.dashboard import compare
from tracker.maturity import service as maturity
from tracker.organisations import import_service
from tracker.tables import Ccg, Practice

TODAY = dt.date(2018, 4, 20)
PERIOD = "2015/16-Q4"  # NHS Choices' export of February 2016
SUBMITTED = dt.datetime(2016, 4, 20, 10, 0, tzinfo=dt.UTC)


def _cells(html: str, indicator: str) -> dict[str, str]:
    """The feeds table's row for one indicator on a dashboard: own, feed and the difference."""
    row = re.search(rf'<tr class="nhsuk-table__row" data-indicator="{indicator}">(.*?)</tr>', html, re.S)
    assert row, f"no feeds row for {indicator}"
    own = re.search(r"data-own>(.*?)</td>", row.group(1), re.S)
    feed = re.search(r"data-feed>(.*?)</td>", row.group(1), re.S)
    assert own and feed
    text = re.sub(r"<[^>]+>", "", row.group(1))
    return {"own": re.sub(r"<[^>]+>", "", own.group(1)).strip(), "feed": feed.group(1).strip(), "text": text}


def _sheet_rows(content: bytes) -> list[dict[str, Any]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert "National feeds" in book.sheetnames
    about = [str(r[1]) for r in book["About"].iter_rows(values_only=True)]
    assert "National feeds" in about  # the sheet's figures are defined on the About sheet
    rows = list(book["National feeds"].iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, r, strict=True)) for r in rows[1:]]


async def test_eps_live_from_nhs_choices_is_the_same_on_the_dashboards_and_in_the_workbooks(client):
    await import_service.import_ods((SHARED_DATA / "ods" / "epraccur-2015-07.csv").read_bytes())
    await setup_catalogue()
    await feeds.import_nhs_choices(
        (SHARED_DATA / "feeds" / "nhs-choices-gp-2016-02.csv").read_bytes(), month=dt.date(2016, 2, 1)
    )
    a81001 = await Practice.select().where(Practice.ods_code == "A81001").first()
    # NHS Choices says A81001 had EPS live; its return says not: a difference to flag.
    await make_return(a81001, PERIOD, "approved", complete_values(EPS_LIVE=0.0), submitted_at=SUBMITTED)
    await maturity.refresh_all(TODAY)
    ccg = await Ccg.select().where(Ccg.id == a81001["ccg"]).first()

    national = await make_account(Role.NATIONAL)
    await sign_in(client, national["email"])
    practice_page = (await client.get(f"/dashboards/practices/A81001?period={PERIOD}")).text
    practice = _cells(practice_page, "EPS_LIVE")
    assert practice["feed"] == "Yes" and practice["own"] == "No"
    assert "Differs from the feed" in practice["text"] and "NHS Choices" in practice["text"]

    ccg_page = (await client.get(f"/dashboards/ccgs/{ccg['code']}?period={PERIOD}")).text
    ccg_cells = _cells(ccg_page, "EPS_LIVE")
    # By hand: the share of the CCG's practices in the feed whose flag is True.
    period_id = next(p.id for p in await maturity.scored_periods(TODAY) if p.code == PERIOD)
    members = await maturity.period_members(period_id, "ccg", ccg["id"])
    rows = [
        r for r in await feeds.feed_values([m.practice_id for m in members], PERIOD) if r.indicator_code == "EPS_LIVE"
    ]
    share = 100 * sum(1 for r in rows if r.value >= 0.5) / len(rows)
    assert ccg_cells["feed"] == f"{share:.1f}%"
    assert ccg_cells["own"].startswith("0.0%")  # the one approved return said no

    _, ccg_book = await exports.workbook_bytes("ccg", ccg["code"], PERIOD, TODAY)
    lines = _sheet_rows(ccg_book)
    area = next(r for r in lines if r["Level"] == "CCG" and r["Indicator"] == "EPS_LIVE")
    assert f"{area['Feed value (% or share saying yes)'] * 100:.1f}%" == ccg_cells["feed"]
    assert area["Practices in the feed"] == len(rows)
    mine = next(r for r in lines if r["Level"] == "Practice" and r["Code"] == "A81001")
    assert mine["Feed value (yes/no)"] == 1 and mine["Self-reported (yes/no)"] == 0 and mine["Feed"] == "NHS Choices"

    _, national_book = await exports.workbook_bytes("national", None, PERIOD, TODAY)
    national_lines = _sheet_rows(national_book)
    same = next(r for r in national_lines if r["Level"] == "CCG" and r["Code"] == ccg["code"])
    assert same["Feed value (% or share saying yes)"] == area["Feed value (% or share saying yes)"]
    england = next(r for r in national_lines if r["Level"] == "England")
    # England's figure is over the practices counted in the period, as every England figure is.
    counted = [m.practice_id for m in await maturity.period_members(period_id)]
    total = await feeds.feed_total(counted, PERIOD, "EPS_LIVE")
    assert england["Practices in the feed"] == total.practices
    assert abs(england["Feed value (% or share saying yes)"] * 100 - (total.value or 0)) < 1e-4


def test_a_share_of_practices_is_compared_in_percentage_points():
    names = {"EPS_LIVE": ("EPS live", "yesno"), "PO_REG_PCT": ("Online", "percent"), "NHSMAIL": ("Mail", "yesno")}
    feeds_ = {"EPS_LIVE": ("NHS Choices", 80.0, 10), "PO_REG_PCT": ("POMI", 20.0, 10)}
    rows = compare(names, feeds_, {"EPS_LIVE": (65.0, 4), "PO_REG_PCT": (25.0, 4)}, True, 10.0)
    assert [(r.indicator_code, r.differs) for r in rows] == [("EPS_LIVE", True), ("PO_REG_PCT", False)]
    assert rows[0].feed_text() == "80.0%" and rows[1].own_text() == "25.0%"
    one = compare(names, {"EPS_LIVE": ("NHS Choices", 1.0, 1)}, {"EPS_LIVE": (1.0, 1)}, False, 10.0)
    assert one[0].feed_text() == "Yes" and not one[0].differs


async def test_the_share_registered_for_online_services_on_the_practice_dashboard_is_the_pomi_rule(clean_db):
    """2018/19 Q1 on the practice dashboard, seen in October 2018: PO_REG_PCT from POMI is
    Total_Pat_Enbld ÷ patient_list_size × 100 in June 2018, the quarter's last month
    (fixtures/feeds.toml), worked out here by hand from the published file for a handful of
    practices; England's figure is the same rule over every practice with both."""
    import csv
    import zipfile
    from dataclasses import replace

    from litestar.testing import AsyncTestClient

    from tracker.app import create_app

    october = dt.date(2018, 10, 1)
    pomi = (SHARED_DATA / "feeds" / "pomi_1819-apr2018_to_sep2018.zip").read_bytes()
    await import_service.import_ods((SHARED_DATA / "epraccur.csv").read_bytes())
    await setup_catalogue()
    await feeds.import_pomi(pomi)
    b82007 = await Practice.select().where(Practice.ods_code == "B82007").first()
    submitted = dt.datetime(2018, 7, 10, 10, tzinfo=dt.UTC)
    await make_return(b82007, "2018/19-Q1", "approved", complete_values(PO_REG_PCT=35.0), submitted_at=submitted)
    await maturity.refresh_all(october)
    with zipfile.ZipFile(io.BytesIO(pomi)) as archive:
        text = archive.read(archive.namelist()[0]).decode()
    june: dict[str, dict[str, str]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row["report_period_end"] == "30JUN2018":
            june.setdefault(row["practice_code"], {})[row["field"]] = row["value"]

    app = create_app(replace(clean_db, today=october), configure_database=False)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        national = await make_account(Role.NATIONAL)
        await sign_in(client, national["email"])
        for code in ("B82007", "A81001", "P85012"):
            by_hand = int(june[code]["Total_Pat_Enbld"]) / int(june[code]["patient_list_size"]) * 100
            page = (await client.get(f"/dashboards/practices/{code}?period=2018/19-Q1")).text
            assert "2018/19 Q1" in page
            cells = _cells(page, "PO_REG_PCT")
            assert cells["feed"] == f"{by_hand:.1f}%", code
            if code == "B82007":  # its own return, beside the feed
                assert cells["own"].startswith("35.0%"), cells
    both = [f for f in june.values() if f.get("Total_Pat_Enbld") and int(f.get("patient_list_size") or 0) > 0]
    england = await feeds.feed_total(None, "2018/19-Q1", "PO_REG_PCT")
    assert england.value is not None
    assert (
        abs(
            england.value
            - 100 * sum(int(f["Total_Pat_Enbld"]) for f in both) / sum(int(f["patient_list_size"]) for f in both)
        )
        < 0.5
    )  # the same rule; the tracker counts only the practices it places
