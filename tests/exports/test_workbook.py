"""The workbook from a small known world, re-opened with openpyxl and with python-calamine."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from tests.exports.seed import EVIL_COMMENT, EVIL_NAME, PERIOD, seed_world
from tracker.exports import service
from tracker.maturity import calculations as mcalc
from tracker.periods import service as periods
from tracker.tables import Ccg, PracticeScore

ERS = (
    "First outpatient referrals through e-Referral Service"  # ERS_UTIL_PCT: columns are headed by the indicator's name
)

TODAY = dt.date(2018, 4, 20)
SHEETS = ["About", "Summary", "Regions", "CCGs", "Practices", "Trend", "Indicators", "Funding"]


def rows_of(ws: Any) -> list[dict[str, Any]]:
    values = list(ws.iter_rows(values_only=True))
    header = values[0]
    return [dict(zip(header, row, strict=False)) for row in values[1:]]


def summary_of(wb: Any) -> dict[str, Any]:
    return {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=4, values_only=True)}


async def dashboard_period() -> dict[str, Any]:
    """The period the dashboards show by default on TODAY: the latest past its due date."""
    row = await periods.latest_closed(TODAY)
    assert row is not None and row["code"] == PERIOD
    return row


async def dashboard_aggregate(period_id: int, ccg_id: int | None = None) -> mcalc.Aggregate:
    """What the maturity dashboards show: their aggregate over the precomputed practice scores."""
    rows = await PracticeScore.select().where(PracticeScore.period == period_id)
    facts = [
        mcalc.PracticeFacts(r["maturity"], r["status"], r["patients"], r["expected"], r["submitted"], r["on_time"])
        for r in rows
        if ccg_id is None or r["ccg_id"] == ccg_id
    ]
    return mcalc.aggregate(facts)


async def national() -> tuple[str, bytes]:
    return await service.workbook_bytes("national", None, None, today=TODAY)


async def test_every_sheet_is_there_and_reopens_in_both_readers(clean_db: Any) -> None:
    await seed_world()
    filename, content = await national()
    assert filename == "paperless-tracker-national-2017-18-Q3.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(content))
    assert wb.sheetnames == SHEETS
    cal = CalamineWorkbook.from_filelike(io.BytesIO(content))
    assert cal.sheet_names == SHEETS
    for name in SHEETS:
        assert len(cal.get_sheet_by_name(name).to_python()) >= 2, name


async def test_headline_figures_equal_the_dashboards(clean_db: Any) -> None:
    await seed_world()
    _, content = await national()
    wb = openpyxl.load_workbook(io.BytesIO(content))
    summary = summary_of(wb)
    period = await dashboard_period()
    dash = await dashboard_aggregate(period["id"])
    assert summary["Practices"] == dash.practices == 5
    assert summary["Registered patients"] == dash.patients
    assert summary["Returns received"] == dash.submitted == 3
    assert summary["Returns on time"] == dash.on_time == 2
    assert summary["Completeness"] == pytest.approx(dash.completeness / 100)
    assert summary["Timeliness"] == pytest.approx(dash.timeliness / 100)
    assert summary["Mean maturity (0-100)"] == pytest.approx(dash.maturity)
    assert summary["Practices on track"] == pytest.approx(dash.share_on_track / 100)
    # The same figures through the independent reader.
    cal = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name("Summary").to_python()
    cal_summary = {r[0]: r[1] for r in cal[3:]}
    assert cal_summary["Returns received"] == 3
    assert cal_summary["Mean maturity (0-100)"] == pytest.approx(dash.maturity)
    # Each CCG row equals the dashboard's aggregate for that CCG.
    rows = {r["CCG code"]: r for r in rows_of(wb["CCGs"])}
    for ccg in await Ccg.select():
        agg = await dashboard_aggregate(period["id"], ccg["id"])
        row = rows[ccg["code"]]
        assert row["Practices"] == agg.practices
        assert row["Returns received"] == agg.submitted
        assert row["Mean maturity"] == pytest.approx(agg.maturity)


async def test_ccg_rows_answer_the_e_referrals_question_with_funding(clean_db: Any) -> None:
    await seed_world()
    _, content = await national()
    wb = openpyxl.load_workbook(io.BytesIO(content))
    rows = {r["CCG code"]: r for r in rows_of(wb["CCGs"])}
    # 00K: 40% and 80% -> 60%; 11J: 90% (J81002 and the evil practice have no approved return).
    assert rows["00K"][f"{ERS} mean (%)"] == pytest.approx(0.60)
    assert rows["11J"][f"{ERS} mean (%)"] == pytest.approx(0.90)
    assert rows["00K"]["Fair-share allocation (£)"] == pytest.approx(50_000)
    assert rows["00K"]["Total allocated (£)"] == pytest.approx(50_000)
    assert rows["00K"]["Awarded to practices (£)"] == pytest.approx(2_500)
    assert rows["00K"]["Allocated per patient (£)"] == pytest.approx(50_000 / 12_000)
    practices = {r["ODS code"]: r for r in rows_of(wb["Practices"])}
    assert practices["A81001"][f"{ERS} (%)"] == pytest.approx(0.40)
    assert practices["A81001"]["Funding received (£)"] == pytest.approx(2_500)
    assert practices["A81001"]["On time"] == 1
    assert practices["A81002"]["On time"] == 0
    assert practices["J81002"]["Return state"] == "Not started"
    # The number formats show them as a person expects.
    ws = wb["CCGs"]
    header = [c.value for c in ws[1]]
    first = ws[2]
    assert first[header.index(f"{ERS} mean (%)")].number_format == "0.0%"
    assert first[header.index("Total allocated (£)")].number_format == '"£"#,##0.00'
    assert first[header.index("Practices")].data_type == "n"


async def test_formula_like_text_stays_text(clean_db: Any) -> None:
    await seed_world()
    _, content = await national()
    wb = openpyxl.load_workbook(io.BytesIO(content))
    practices = {r["ODS code"]: r for r in rows_of(wb["Practices"])}
    assert practices["J81003"]["Practice"] == EVIL_NAME
    assert practices["A81001"]["Comments"] == f"ERS_UTIL_PCT: {EVIL_COMMENT}"
    ws = wb["Practices"]
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    cal = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name("Practices").to_python()
    assert EVIL_NAME in [r[1] for r in cal]
    # No formula anywhere in the file.
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name


async def test_two_exports_of_the_same_data_are_byte_identical(clean_db: Any) -> None:
    await seed_world()
    _, first = await national()
    _, second = await national()
    assert first == second
    # Recomputing the scores (same results, new computed_at) does not change the file either.
    await PracticeScore.update({PracticeScore.computed_at: dt.datetime(2018, 4, 19, 23, 0, tzinfo=dt.UTC)}, force=True)
    _, third = await national()
    assert third == first
    _, region_a = await service.workbook_bytes("region", "Y63", PERIOD, today=TODAY)
    _, region_b = await service.workbook_bytes("region", "Y63", PERIOD, today=TODAY)
    assert region_a == region_b


async def test_excel_craft(clean_db: Any) -> None:
    await seed_world()
    _, content = await national()
    wb = openpyxl.load_workbook(io.BytesIO(content))
    assert wb.properties.title.startswith("Paperless Tracker")
    assert wb.properties.creator == "Paperless Tracker"
    assert wb.properties.created == wb.properties.modified
    for name in ("Regions", "CCGs", "Practices", "Trend", "Indicators", "Funding", "About"):
        ws = wb[name]
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith("2"), name
        assert len(ws.tables) == 1, name
        table = next(iter(ws.tables.values()))
        assert table.autoFilter is not None
        assert ws.column_dimensions["A"].width > 5
    assert wb["Summary"].freeze_panes == "A4"
    assert len(wb["Summary"]._charts) >= 2
    # Status in words, coloured by conditional formatting on the Status column.
    ws = wb["Practices"]
    header = [c.value for c in ws[1]]
    status_col = openpyxl.utils.get_column_letter(header.index("Status") + 1)
    statuses = {ws[f"{status_col}{r}"].value for r in range(2, ws.max_row + 1)}
    assert statuses <= {"On track", "At risk", "Off track", "No score"}
    ranges = [str(cf.sqref) for cf in ws.conditional_formatting]
    assert any(r.startswith(status_col) for r in ranges)
    dates = [r["First submitted"] for r in rows_of(ws) if r["First submitted"]]
    assert all(isinstance(d, dt.datetime) for d in dates)


async def test_region_and_ccg_workbooks_hold_only_their_own(clean_db: Any) -> None:
    await seed_world()
    filename, content = await service.workbook_bytes("region", "y63", PERIOD, today=TODAY)
    assert filename == "paperless-tracker-region-Y63-2017-18-Q3.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(content))
    assert wb.sheetnames == SHEETS
    assert {r["ODS code"] for r in rows_of(wb["Practices"])} == {"A81001", "A81002"}
    assert {r["CCG code"] for r in rows_of(wb["CCGs"])} == {"00K"}
    assert {r["CCG code"] for r in rows_of(wb["Funding"]) if r["CCG code"]} == {"00K"}
    filename, content = await service.workbook_bytes("ccg", "11J", PERIOD, today=TODAY)
    assert filename == "paperless-tracker-ccg-11J-2017-18-Q3.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(content))
    assert {r["ODS code"] for r in rows_of(wb["Practices"])} == {"J81001", "J81002", "J81003"}


async def test_missing_features_say_not_available_yet(clean_db: Any) -> None:
    await seed_world(funding=False)
    # Returns received but none approved yet: nothing is scored.
    await PracticeScore.update(
        {PracticeScore.maturity: None, PracticeScore.level: None, PracticeScore.status: ""}, force=True
    )
    _, content = await national()
    wb = openpyxl.load_workbook(io.BytesIO(content))
    summary = summary_of(wb)
    assert summary["Mean maturity (0-100)"] == "not available yet"
    assert summary["Funding allocated to CCGs (£)"] == "not available yet"
    assert summary["Returns received"] == 3
    funding = rows_of(wb["Funding"])
    assert funding[0]["Stream"] == "not available yet"


async def test_unknown_period_and_scope(clean_db: Any) -> None:
    await seed_world()
    from litestar.exceptions import NotFoundException

    with pytest.raises(NotFoundException):
        await service.workbook_bytes("national", None, "2030/31-Q1", today=TODAY)
    with pytest.raises(service.ExportError):
        await service.workbook_bytes("national", None, "last quarter", today=TODAY)
    with pytest.raises(NotFoundException):
        await service.workbook_bytes("ccg", "ZZZ", PERIOD, today=TODAY)
