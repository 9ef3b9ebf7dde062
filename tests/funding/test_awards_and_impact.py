"""Awards to practices (one, or a file all or nothing) and what each pound bought."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from tests.factories import make_ccg, make_practice, make_region
from tracker.funding import awards_service, impact_service
from tracker.funding.impact import summarise
from tracker.funding.service import Actor
from tracker.funding.streams import ensure_standard_streams
from tracker.funding.xlsx import UploadRefused, parse_upload
from tracker.indicators import service as indicators
from tracker.periods import service as periods
from tracker.tables import (
    Indicator,
    Period,
    PracticeAward,
    PracticeAwardIndicator,
    PracticeReturn,
    PracticeScore,
    ReturnValue,
)

TODAY = dt.date(2018, 4, 20)
ACTOR = Actor(label="test")


async def _ccg_with_practices(n: int = 4) -> tuple[dict, list[dict]]:
    region = await make_region("Y63")
    ccg = await make_ccg("00K", region=region)
    practices = [await make_practice(ccg, f"A8100{i + 1}") for i in range(n)]
    await ensure_standard_streams()
    await indicators.load()
    return ccg, practices


async def test_a_good_file_is_saved_whole(clean_db):
    ccg, _ = await _ccg_with_practices(2)
    csv = (
        b"practice_code,award_date,amount,stream,purpose,indicators\n"
        b'A81001,2015-01-10,"\xc2\xa312,500.00",GPIT_CAPITAL,Scanning,LG_DIGITISED_PCT\n'
        b"a81002,10/02/2015,800,gpit_revenue,Wi-Fi,WIFI_LIVE;EPS_LIVE\n"
    )
    rows = parse_upload("awards.csv", csv)
    checked = await awards_service.validate(rows, ccg["id"], TODAY)
    assert checked.errors == []
    await awards_service.record(checked.awards, ccg["id"], ACTOR, upload_ref="x")
    saved = await awards_service.awards(ccg_id=ccg["id"])
    assert sorted((r.ods_code, r.amount_pence, tuple(sorted(r.indicator_codes))) for r in saved) == [
        ("A81001", 1_250_000, ("LG_DIGITISED_PCT",)),
        ("A81002", 80_000, ("EPS_LIVE", "WIFI_LIVE")),
    ]


async def test_an_award_reads_back_with_its_practice_ccg_stream_and_indicators(clean_db):
    ccg, practices = await _ccg_with_practices(2)
    csv = (
        b"practice_code,award_date,amount,stream,purpose,indicators\n"
        b"A81001,2015-01-10,100,GPIT_CAPITAL,Scanning,WIFI_LIVE;LG_DIGITISED_PCT\n"
        b"A81002,2015-02-10,200,GPIT_REVENUE,Wi-Fi,\n"
    )
    checked = await awards_service.validate(parse_upload("awards.csv", csv), ccg["id"], TODAY)
    await awards_service.record(checked.awards, ccg["id"], ACTOR, upload_ref="f1")
    newest, oldest = await awards_service.awards(ccg_id=ccg["id"])
    assert (newest.ods_code, newest.award_date, newest.amount_pence, newest.indicator_codes) == (
        "A81002",
        dt.date(2015, 2, 10),
        20_000,
        (),
    )
    assert (oldest.practice_id, oldest.purpose, oldest.upload_ref) == (practices[0]["id"], "Scanning", "f1")
    assert (oldest.ccg_id, oldest.ccg_code, oldest.ccg_name) == (ccg["id"], "00K", ccg["name"])
    assert oldest.stream_code == "GPIT_CAPITAL"
    assert sorted(oldest.indicator_codes) == ["LG_DIGITISED_PCT", "WIFI_LIVE"]
    assert [a.id for a in await awards_service.awards(ccg_id=ccg["id"], limit=1)] == [newest.id]
    assert [a.id for a in await awards_service.awards(practice_id=practices[0]["id"])] == [oldest.id]
    assert await awards_service.awards(ccg_id=ccg["id"], stream_id=0) == []


async def test_a_file_with_bad_rows_saves_nothing_and_reports_each_row(clean_db):
    ccg, _ = await _ccg_with_practices(1)
    foreign = await make_ccg("11J")
    await make_practice(foreign, "J81001")
    book = Workbook()
    sheet = book.active
    sheet.append(["practice_code", "award_date", "amount", "stream", "purpose", "indicators"])
    sheet.append(["A81001", dt.date(2015, 1, 10), 1000, "GPIT_REVENUE", "ok", ""])
    sheet.append(["J81001", "2015-01-10", "-5", "NOPE", "", "XYZ"])
    sheet.append(["A81001", "2019-01-01", "ten", "GPIT_REVENUE", "", ""])
    data = io.BytesIO()
    book.save(data)
    rows = parse_upload("awards.xlsx", data.getvalue())
    checked = await awards_service.validate(rows, ccg["id"], TODAY)
    problems = {(e.row, e.field) for e in checked.errors}
    assert problems == {
        (3, "practice_code"),
        (3, "amount"),
        (3, "stream"),
        (3, "indicators"),
        (4, "award_date"),
        (4, "amount"),
    }
    assert await PracticeAward.count() == 0


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.txt", b"x", ".csv or .xlsx"),
        ("a.csv", b"", "empty"),
        ("a.csv", b"practice_code,amount\n", "missing: award_date, stream"),
        ("a.csv", b"practice_code,award_date,amount,stream\n", "no awards"),
        ("a.xlsx", b"not a zip", "not a readable Excel"),
    ],
)
def test_unreadable_files_are_refused_whole(name, data, message):
    with pytest.raises(UploadRefused, match=message):
        parse_upload(name, data)


async def _score(practice_id: int, period_id: int, maturity: float) -> None:
    await PracticeScore.insert(
        PracticeScore(practice=practice_id, period=period_id, maturity=maturity, computed_at=dt.datetime.now(dt.UTC))
    )


async def test_what_each_pound_bought_against_similar_unfunded_practices(clean_db):
    ccg, practices = await _ccg_with_practices(4)
    await periods.ensure_periods()
    by_code = {r["code"]: r["id"] for r in await Period.select(Period.id, Period.code)}
    q2, q4 = by_code["2014/15-Q2"], by_code["2014/15-Q4"]
    funded, *others = practices
    for p, before, after in ((funded, 40, 60), (others[0], 40, 45), (others[1], 42, 47), (others[2], 38, 43)):
        await _score(p["id"], q2, before)
        await _score(p["id"], q4, after)
    wifi = (await Indicator.select(Indicator.id).where(Indicator.code == "WIFI_LIVE").first())["id"]
    now = dt.datetime.now(dt.UTC)
    for period_id, value in ((q2, 0.0), (q4, 1.0)):
        ret = await PracticeReturn.insert(
            PracticeReturn(practice=funded["id"], period=period_id, state="approved", created_at=now, updated_at=now)
        ).returning(PracticeReturn.id)
        await ReturnValue.insert(ReturnValue(practice_return=ret[0]["id"], indicator=wifi, value=value))
    rows = parse_upload(
        "a.csv", b"practice_code,award_date,amount,stream,indicators\nA81001,2014-10-15,3000,GPIT_REVENUE,WIFI_LIVE\n"
    )
    checked = await awards_service.validate(rows, ccg["id"], TODAY)
    await awards_service.record(checked.awards, ccg["id"], ACTOR)
    assert await PracticeAwardIndicator.count() == 1

    data = await impact_service.load()
    assert data.source == "scores"
    (impact,) = data.impacts
    assert (impact.baseline, impact.latest, impact.change) == (40, 60, 20)
    assert impact.comparison_change == 5 and impact.comparison_n == 3 and impact.comparison_scope == "CCG"
    assert impact.difference == 15
    assert impact.per_point.pounds == 200.0  # £3,000 / 15 points more than similar practices
    assert impact.per_patient_pence == 50.0  # 300,000p / 6,000 patients
    (wifi_change,) = impact.indicators
    assert (wifi_change.before, wifi_change.after, wifi_change.change) == (0.0, 1.0, 1.0)
    (stream,) = summarise(data.impacts, "stream")
    assert stream.amount_pence == 300_000 and stream.mean_difference == 15


async def test_without_scores_maturity_is_estimated_from_approved_returns(clean_db):
    ccg, (practice,) = await _ccg_with_practices(1)
    await periods.ensure_periods()
    assert (await impact_service.load()).source == "none"
    by_code = {r["code"]: r["id"] for r in await Period.select(Period.id, Period.code)}
    ids = {r["code"]: r["id"] for r in await Indicator.select(Indicator.id, Indicator.code)}
    now = dt.datetime.now(dt.UTC)
    for period, values in (
        ("2014/15-Q1", {"WIFI_LIVE": 0.0, "PO_REG_PCT": 5.0}),
        ("2014/15-Q3", {"WIFI_LIVE": 1.0, "PO_REG_PCT": 5.0}),
    ):
        ret = await PracticeReturn.insert(
            PracticeReturn(
                practice=practice["id"], period=by_code[period], state="approved", created_at=now, updated_at=now
            )
        ).returning(PracticeReturn.id)
        for code, value in values.items():
            await ReturnValue.insert(ReturnValue(practice_return=ret[0]["id"], indicator=ids[code], value=value))
    rows = parse_upload("a.csv", b"practice_code,award_date,amount,stream\nA81001,2014-08-01,1000,GPIT_REVENUE\n")
    await awards_service.record((await awards_service.validate(rows, ccg["id"], TODAY)).awards, ccg["id"], ACTOR)
    data = await impact_service.load()
    assert data.source == "estimated"
    (impact,) = data.impacts
    # Wi-Fi 0 -> 100, online registration 5% of a 10% target = 50: estimated maturity 25 -> 75.
    assert (impact.baseline, impact.latest, impact.change) == (25.0, 75.0, 50.0)
    assert impact.comparison_change is None  # no unfunded practice to compare with
