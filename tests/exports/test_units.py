"""Pure parts of the exports: figures, CSV cells, and the xlsx writer on a hand-made Book."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from openpyxl.cell import WriteOnlyCell
from python_calamine import CalamineWorkbook

from tracker.exports import csvfile, sheets, xlsx
from tracker.exports.calculations import (
    IndicatorInfo,
    PracticeRow,
    area_figures,
    csv_safe,
    indicator_figures,
    safe_text,
)
from tracker.exports.layout import Book, Chart, Column, Sheet, SmallTable, Typed
from tracker.maturity.calculations import Aggregate

ERS = IndicatorInfo(
    "ERS_UTIL_PCT", "e-RS", "Referrals", "percent", 100.0, dt.date(2018, 10, 1), False, "national", "", 1.0, ""
)
WIFI = IndicatorInfo("WIFI_LIVE", "Wi-Fi", "Infra", "yesno", 1.0, dt.date(2017, 12, 31), False, "national", "", 1.0, "")


def practice(code: str, ers: float | None, wifi: float | None, submitted: bool, on_time: bool) -> PracticeRow:
    row = PracticeRow(1, code, code, "00K", "CCG", "Y63", "North", 1000, "EMIS Web")
    row.values = {k: v for k, v in (("ERS_UTIL_PCT", ers), ("WIFI_LIVE", wifi)) if v is not None}
    row.first_submitted_at = dt.datetime(2018, 1, 1, tzinfo=dt.UTC) if submitted else None
    row.on_time = on_time if submitted else None
    return row


def test_area_figures_from_practices() -> None:
    rows = [
        practice("A", 40, 1, True, True),
        practice("B", 100, 0, True, False),
        practice("C", None, None, False, False),
    ]
    f = area_figures(rows, [ERS, WIFI])
    assert (f.practices, f.patients, f.received, f.on_time) == (3, 3000, 2, 1)
    assert f.completeness == pytest.approx(2 / 3)
    assert f.timeliness == pytest.approx(1 / 3)
    assert f.indicator_mean["ERS_UTIL_PCT"] == 70
    assert f.indicator_meeting["ERS_UTIL_PCT"] == 0.5  # only B reaches 100%
    assert f.indicator_meeting["WIFI_LIVE"] == 0.5
    assert f.mean_maturity is None


def test_indicator_figures_leave_out_practices_without_a_value_and_count_meeting_as_meets_target() -> None:
    rows = [
        practice("A", 40, 1, True, True),
        practice("B", 100, None, True, False),
        practice("C", None, None, False, False),
    ]
    rows[2].values = {"ERS_UTIL_PCT": None, "RETIRED": 5.0}  # no value, and an indicator not shown
    means, meeting = indicator_figures(rows, [ERS, WIFI])
    assert means == {"ERS_UTIL_PCT": 70, "WIFI_LIVE": 1}
    assert meeting == {"ERS_UTIL_PCT": 0.5, "WIFI_LIVE": 1.0}
    assert indicator_figures([], [ERS]) == ({"ERS_UTIL_PCT": None}, {"ERS_UTIL_PCT": None})
    values = [99.9, 100.0, 100.1]
    assert ERS.count_meeting(values) == sum(1 for v in values if ERS.meets_target(v)) == 2


def test_with_the_dashboards_aggregate_only_the_indicators_come_from_the_practices() -> None:
    rows = [practice("A", 40, 1, True, True), practice("B", 100, 0, True, False)]
    aggregate = Aggregate(5, 4, 61.5, 2, 1, 1, 4, 3, 9000, None, forecast_met=1, forecast_made=2)
    f = area_figures(rows, [ERS, WIFI], {"capital": 500}, aggregate)
    assert (f.practices, f.patients, f.received, f.on_time, f.scored) == (5, 9000, 4, 3, 4)
    assert (f.completeness, f.timeliness, f.mean_maturity) == (0.8, 0.6, 61.5)
    assert (f.on_track, f.at_risk, f.off_track, f.forecast_met) == (0.5, 0.25, 0.25, 0.5)
    assert (f.indicator_mean, f.indicator_meeting) == indicator_figures(rows, [ERS, WIFI])
    assert f.funding == {"fair_share": 0, "transition": 0, "capital": 500, "reallocation": 0, "to_practices": 0}


def test_text_cleaning() -> None:
    assert safe_text("a\x00b\x1fc\td") == "abc\td"
    assert csv_safe("=SUM(A1)") == "'=SUM(A1)"
    assert csv_safe("-2+3") == "'-2+3"
    assert csv_safe("Surgery") == "Surgery"


def test_csv_cells() -> None:
    assert csvfile.cell_text(0.625, "pct") == "62.5"
    assert csvfile.cell_text(1, "yesno") == "Yes"
    assert csvfile.cell_text(123456, "pounds") == "1234.56"
    assert csvfile.cell_text(dt.date(2018, 1, 30), "date") == "2018-01-30"
    assert csvfile.cell_text(Typed(0.5, "pct"), "num") == "50"
    assert csvfile.cell_text("=cmd", "text") == "'=cmd"
    assert csvfile.cell_text(None, "int") == ""


def book() -> Book:
    columns = [
        Column("Name", "text"),
        Column("Share (%)", "pct"),
        Column("Money (£)", "pounds"),
        Column("Due", "date"),
        Column("Live", "yesno"),
        Column("Status", "status"),
    ]
    rows = [
        ('=HYPERLINK("x")', 0.5, 12345, dt.date(2018, 1, 30), 1, "On track"),
        ("+44 surgery", None, None, None, 0, "Off track"),
        ("not available", "not available yet", "not available yet", None, None, "No score"),
    ]
    sheet = Sheet("Data", "data", columns, rows, freeze_columns=1)
    summary = Sheet(
        "Summary",
        "summary",
        [Column("Measure"), Column("Value", "num")],
        [("Share", Typed(0.25, "pct"))],
        preamble=["Title"],
    )
    return Book("Title", "Subject", "k", dt.datetime(2018, 4, 20, 9, 0, tzinfo=dt.UTC), [summary, sheet])


def test_xlsx_writer_types_formats_and_text() -> None:
    content = xlsx.write(book())
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb["Data"]
    assert ws["A2"].value == '=HYPERLINK("x")' and ws["A2"].data_type == "s"
    assert ws["A3"].value == "+44 surgery" and ws["A3"].data_type == "s"
    assert ws["B2"].value == 0.5 and ws["B2"].number_format == "0.0%"
    assert ws["C2"].value == pytest.approx(123.45) and ws["C2"].number_format == '"£"#,##0.00'
    assert ws["D2"].is_date and ws["D2"].number_format == "dd/mm/yyyy"
    assert ws["E2"].value == 1 and ws["E2"].number_format == '"Yes";"Yes";"No"'
    assert ws["B4"].value == "not available yet"
    assert ws.freeze_panes == "B2"
    assert wb["Summary"]["B3"].value == 0.25 and wb["Summary"]["B3"].number_format == "0.0%"
    assert wb.properties.created == dt.datetime(2018, 4, 20, 9, 0)
    cal = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name("Data").to_python()
    assert cal[1][0] == '=HYPERLINK("x")'
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        assert {i.date_time for i in z.infolist()} == {(2018, 4, 20, 9, 0, 0)}


def test_a_reused_column_cell_has_the_style_id_of_an_ordinary_cell_of_the_same_style() -> None:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    ordinary = WriteOnlyCell(ws)
    ordinary.number_format = "0.0%"
    ordinary.alignment = xlsx.TOP
    template = xlsx._template(ws, "0.0%", xlsx.TOP)
    assert (template.style_id, template.has_style) == (ordinary.style_id, True)
    assert xlsx._template(ws).has_style is False
    wrapped = xlsx._template(ws, alignment=xlsx.WRAP)
    assert wrapped.style_id not in (template.style_id, xlsx._template(ws).style_id)


def test_xlsx_writer_is_deterministic() -> None:
    assert xlsx.write(book()) == xlsx.write(book())


# --- Printing and filtering -------------------------------------------------------------------


def test_a_narrow_sheet_prints_one_page_wide_and_a_wide_one_on_as_few_readable_pages() -> None:
    narrow = Sheet("Narrow", "narrow", [Column("Code", "code", 10), Column("Name", "text", 40)], [], freeze_columns=1)
    assert xlsx.pages_wide(narrow) == 1
    columns = [Column("ODS code", "code", 9), Column("Practice", "text", 36)]
    columns += [Column(f"Indicator {n}", "pct", 13) for n in range(40)]
    wide = Sheet("Wide", "wide", columns, [], freeze_columns=2)
    pages = xlsx.pages_wide(wide)
    assert pages > 1
    # The scale that fits the sheet on that many pages, each with the two identifying columns,
    # is the readable one or larger; one page fewer would need a smaller one.
    cm = [xlsx._cm(c.width) for c in columns]
    titles, rest = sum(cm[:2]), sum(cm[2:])

    def scale(n: int) -> float:
        return n * xlsx.PRINTABLE_WIDTH_CM / (rest + n * titles)

    assert scale(pages) >= xlsx.READABLE_SCALE > scale(pages - 1)


def test_wrapped_text_is_given_enough_lines() -> None:
    assert xlsx.line_count("Short", 20) == 1
    assert xlsx.line_count("", 20) == 1
    assert xlsx.line_count("one two three four five six seven eight nine ten", 10) >= 5
    assert xlsx.line_count("first line\nsecond line", 40) == 2
    assert xlsx.line_count("x" * 100, 10) >= 10
    # A practice's comments, one line per indicator, each short.
    columns = [Column("Code"), Column("Comments", "text", 40, wrap=True)]
    assert xlsx._wrapped_lines(columns, ("A81001", "E-RS: fine\nWi-Fi: fitted")) == 2
    assert xlsx._wrapped_lines(columns, ("A81001", "fine")) == 1


def test_every_table_has_a_filter_and_every_sheet_prints_a4_landscape_with_titles() -> None:
    b = book()
    b.sheets[0].small_tables.append(
        SmallTable("Share by CCG", [Column("CCG", "text", 30), Column("Share (%)", "pct")], [("NHS Dorset CCG", 0.5)])
    )
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.write(b)))
    summary = wb["Summary"]
    assert [(t.ref, t.autoFilter.ref) for t in summary.tables.values()] == [("A2:B3", "A2:B3"), ("A6:B7", "A6:B7")]
    assert summary["A5"].value == "Share by CCG" and summary["A7"].value == "NHS Dorset CCG"
    assert summary["B7"].number_format == "0.0%"
    assert summary.print_title_rows == "$1:$2"
    data = wb["Data"]
    assert data.print_title_rows == "$1:$1" and data.print_title_cols == "$A:$A"
    for ws in wb:
        setup = ws.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.oddHeader.left.text == "Title" and ws.oddHeader.right.text == "&A"
        assert ws.oddFooter.right.text == "Page &P of &N"


def test_a_chart_of_one_bar_becomes_a_small_table_and_titles_say_ccg() -> None:
    children = Sheet(
        "CCGs",
        "ccgs",
        [Column("CCG code"), Column("CCG", "text"), Column("Completeness (%)", "pct"), Column("Timeliness (%)", "pct")],
        [("00K", "NHS Hartlepool and Stockton-on-Tees CCG", 0.5, 0.25)],
    )
    summary = Sheet("Summary", "summary", [Column("Measure"), Column("Value", "num")], [])
    chart = Chart(
        "bar", "Completeness and timeliness by CCG", "CCGs", "CCG", ("Completeness (%)", "Timeliness (%)"), 2, 2
    )
    sheets._chart_or_table(summary, children, chart)
    assert summary.charts == []
    [table] = summary.small_tables
    assert table.title == "Completeness and timeliness by CCG"
    assert [c.header for c in table.columns] == ["CCG", "Completeness (%)", "Timeliness (%)"]
    assert table.rows == [("NHS Hartlepool and Stockton-on-Tees CCG", 0.5, 0.25)]
    children.rows.append(("11J", "NHS Dorset CCG", 0.75, 0.5))
    sheets._chart_or_table(summary, children, Chart("bar", "t", "CCGs", "CCG", ("Completeness (%)",), 2, 3))
    assert len(summary.charts) == 1
    assert sheets._by("CCG") == "CCG" and sheets._by("Region") == "region"


def test_many_bars_lie_sideways_in_a_chart_as_tall_as_they_need_up_to_a_page() -> None:
    def bars(n: int, kind: str = "bar") -> Chart:
        return Chart(kind, "Mean maturity by CCG", "CCGs", "CCG", ("Mean maturity",), 2, n + 1)

    assert xlsx.chart_size(bars(4)) == (xlsx.CHART_WIDTH_CM, xlsx.CHART_HEIGHT_CM)
    assert xlsx.chart_size(bars(30, "line")) == (xlsx.CHART_WIDTH_CM, xlsx.CHART_HEIGHT_CM)
    width, height = xlsx.chart_size(bars(20))
    assert width == xlsx.SIDEWAYS_WIDTH_CM and height > xlsx.CHART_HEIGHT_CM
    assert xlsx.chart_size(bars(200))[1] <= xlsx.PAGE_ROWS * xlsx.ROW_CM
    children = Sheet(
        "CCGs",
        "ccgs",
        [Column("CCG code"), Column("CCG", "text", 40), Column("Mean maturity", "num")],
        [(f"0{i}X", f"NHS Somewhere {i} CCG", 50 + i) for i in range(30)],
    )
    summary = Sheet(
        "Summary", "summary", [Column("Measure"), Column("Value", "num")], [("Practices", 5)], preamble=["T"]
    )
    summary.charts += [bars(30), bars(30), Chart("line", "By period", "CCGs", "CCG", ("Mean maturity",), 2, 5)]
    wb = openpyxl.load_workbook(
        io.BytesIO(xlsx.write(Book("T", "S", "k", dt.datetime(2018, 1, 1), [summary, children])))
    )
    ws = wb["Summary"]
    anchors = [c.anchor._from.row + 1 for c in ws._charts]
    assert anchors[0] == 3  # below the rows printed on every page
    # A page break before each chart the page has no room for: none is cut in two on paper.
    breaks = [b.id for b in ws.row_breaks.brk]
    assert breaks == [anchors[1] - 1, anchors[2] - 1]
