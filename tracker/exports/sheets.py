"""The export's sheets from a Dataset: which columns, in which order, with which figures. Pure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tracker.exports import about
from tracker.exports.calculations import (
    FORECAST_SHARE_HEADING,
    LATEST_PERIOD_HEADING,
    NOT_AVAILABLE,
    AreaFigures,
    Dataset,
    FeedLine,
    IndicatorInfo,
    PracticeRow,
    area_figures,
    group_figures,
    ratio,
    sum_funding,
)
from tracker.exports.layout import Book, Chart, Column, Sheet, SmallTable, Typed
from tracker.figures import rules
from tracker.maturity.calculations import PracticeForecast

CSV_TABLES = ("about", "summary", "regions", "ccgs", "practices", "trend", "indicators", "feeds", "funding")
STATUS_WORDS = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track"}
STATE_WORDS = {"draft": "Draft", "submitted": "Submitted", "approved": "Approved", "returned": "Returned"}


def _scaled(ind: IndicatorInfo, value: float | None) -> float | None:
    """Stored value -> cell value: percentages 0-100 become fractions (Excel's percent format)."""
    return _scale(value, ind.unit == "percent")


def _scale(value: float | None, percent: bool) -> float | None:
    if value is None:
        return None
    return round(value / 100, 6) if percent else value


def _value_kind(ind: IndicatorInfo) -> str:
    return {"percent": "pct", "yesno": "yesno"}.get(ind.unit, "num")


def _value_header(ind: IndicatorInfo) -> str:
    """An indicator's column is headed by its name, as on the form (its code is on the Indicators sheet)."""
    return {"percent": f"{ind.name} (%)", "yesno": f"{ind.name} (yes/no)"}.get(ind.unit, ind.name)


# --- Regions and CCGs -----------------------------------------------------------------------


def _area_columns(indicators: list[IndicatorInfo]) -> list[Column]:
    cols = [
        Column("Practices", "int", 11),
        Column("Registered patients", "int", 14),
        Column("Returns received", "int", 11),
        Column("Completeness (%)", "pct", 14),
        Column("Returns on time", "int", 11),
        Column("Timeliness (%)", "pct", 13),
        Column("Practices scored", "int", 11),
        Column("Mean maturity", "num", 11),
        Column("On track (%)", "pct", 11),
        Column("At risk (%)", "pct", 11),
        Column("Off track (%)", "pct", 11),
        Column(FORECAST_SHARE_HEADING, "pct", 14),
    ]
    for ind in indicators:
        if ind.unit != "yesno":
            kind = "pct" if ind.unit == "percent" else "num"
            cols.append(Column(f"{ind.name} mean{' (%)' if ind.unit == 'percent' else ''}", kind, 15))
        cols.append(Column(f"{ind.name} meeting target (%)", "pct", 16))
    cols += [
        Column("Fair-share allocation (£)", "pounds", 16),
        Column("Transition awarded (£)", "pounds", 15),
        Column("Capital approved (£)", "pounds", 15),
        Column("Reallocation (£)", "pounds", 14),
        Column("Total allocated (£)", "pounds", 16),
        Column("Allocated per patient (£)", "pounds_pp", 13),
        Column("Awarded to practices (£)", "pounds", 16),
        Column("Awarded per patient (£)", "pounds_pp", 13),
    ]
    return cols


def _area_values(f: AreaFigures, data: Dataset) -> list[Any]:
    m = data.maturity_available

    def mat(v: Any) -> Any:
        return v if m else NOT_AVAILABLE

    values: list[Any] = [
        f.practices,
        f.patients,
        f.received,
        f.completeness,
        f.on_time,
        f.timeliness,
        mat(f.scored),
        mat(f.mean_maturity),
        mat(f.on_track),
        mat(f.at_risk),
        mat(f.off_track),
        f.forecast_met if data.forecast_available else NOT_AVAILABLE,
    ]
    for ind in data.indicators:
        if ind.unit != "yesno":
            values.append(_scaled(ind, f.indicator_mean[ind.code]))
        values.append(f.indicator_meeting[ind.code])
    if data.funding_available:
        allocated = f.allocated_pence
        values += [
            f.funding["fair_share"],
            f.funding["transition"],
            f.funding["capital"],
            f.funding["reallocation"],
            allocated,
            f.per_patient_pence(allocated),
            f.funding["to_practices"],
            f.per_patient_pence(f.funding["to_practices"]),
        ]
    else:
        values += [NOT_AVAILABLE] * 8
    return values


def _funding_lookup(data: Dataset) -> Callable[[str], dict[str, int]]:
    by_region: dict[str, list[dict[str, int]]] = {}
    for c in data.ccgs:
        by_region.setdefault(c.parent_code, []).append(data.ccg_funding.get(c.code, {}))
    region_totals = {code: sum_funding(rows) for code, rows in by_region.items()}

    def lookup(code: str) -> dict[str, int]:
        return data.ccg_funding.get(code) or region_totals.get(code) or {}

    return lookup


def regions_sheet(data: Dataset) -> Sheet:
    figures = group_figures(
        data.practices, data.regions, lambda p: p.region_code, data.indicators, _funding_lookup(data), data.aggregates
    )
    cols = [Column("Region code", "code", 9), Column("Region", "text", 34), *_area_columns(data.indicators)]
    rows = [(a.code, a.name, *_area_values(f, data)) for a, f in figures]
    return Sheet("Regions", "regions", cols, rows, freeze_columns=2)


def ccgs_sheet(data: Dataset) -> Sheet:
    figures = group_figures(
        data.practices, data.ccgs, lambda p: p.ccg_code, data.indicators, _funding_lookup(data), data.aggregates
    )
    cols = [
        Column("CCG code", "code", 8),
        Column("CCG", "text", 40),
        Column("Region code", "code", 9),
        Column("Region", "text", 28),
        *_area_columns(data.indicators),
    ]
    rows = [(a.code, a.name, a.parent_code, a.parent_name, *_area_values(f, data)) for a, f in figures]
    return Sheet("CCGs", "ccgs", cols, rows, freeze_columns=2)


# --- Practices --------------------------------------------------------------------------------


def practices_sheet(data: Dataset) -> Sheet:
    cols = [
        Column("ODS code", "code", 9),
        Column("Practice", "text", 36),
        Column("CCG code", "code", 8),
        Column("CCG", "text", 40),
        Column("Region code", "code", 9),
        Column("Region", "text", 24),
        Column("List size", "int", 10),
        Column("Clinical system", "text", 14),
        Column("Return state", "code", 11),
        Column("First submitted", "date", 12),
        Column("On time", "yesno", 8),
        Column(LATEST_PERIOD_HEADING, "code", 12),
    ]
    cols += [Column(_value_header(ind), _value_kind(ind), 13) for ind in data.indicators]
    cols += [
        Column("Maturity", "num", 9),
        Column("Level", "int", 7),
        Column("Status", "status", 11),
        Column("Forecast date", "date", 12),
        Column("Funding received (£)", "pounds", 14),
        Column("Comments", "text", 40, wrap=True),
    ]
    # Each indicator's code and whether it is a percentage, once for the sheet's thousands of rows.
    shown = [(ind.code, ind.unit == "percent") for ind in data.indicators]
    rows = [_practice_row(p, data, shown) for p in data.practices]
    return Sheet("Practices", "practices", cols, rows, freeze_columns=2)


def status_words(status: str, maturity: float | None) -> str:
    if maturity is None:
        return "No score"
    return STATUS_WORDS.get(status, "No score")


def _practice_row(p: PracticeRow, data: Dataset, shown: list[tuple[str, bool]]) -> tuple[Any, ...]:
    submitted = rules.uk_date(p.first_submitted_at) if p.first_submitted_at else None
    on_time = None if p.on_time is None else int(p.on_time)
    value = p.values.get
    values = [_scale(value(code), percent) for code, percent in shown]
    if data.maturity_available:
        maturity: list[Any] = [p.maturity, p.level, status_words(p.status, p.maturity)]
    else:
        maturity = [NOT_AVAILABLE] * 3
    forecast = forecast_cell(p.forecast) if data.forecast_available else NOT_AVAILABLE
    funding = p.funding_pence if data.funding_available else NOT_AVAILABLE
    return (
        p.ods_code,
        p.name,
        p.ccg_code,
        p.ccg_name,
        p.region_code,
        p.region_name,
        p.patients,
        p.clinical_system,
        STATE_WORDS.get(p.return_state, "Not started"),
        submitted,
        on_time,
        p.latest_period.replace("-", " "),
        *values,
        *maturity,
        forecast,
        funding,
        p.comments,
    )


def forecast_cell(found: PracticeForecast | None) -> Any:
    """The Practices sheet's forecast: the date, or the reason there is none."""
    if found is None:
        return NOT_AVAILABLE
    return found.met_on if found.met_on is not None else found.reason


# --- Trend, Indicators, Funding ---------------------------------------------------------------


def trend_sheet(data: Dataset) -> Sheet:
    cols = [
        Column("Period", "code", 11),
        Column("Area code", "code", 9),
        Column("Area", "text", 34),
        Column("Practices", "int", 10),
        Column("Returns received", "int", 11),
        Column("Completeness (%)", "pct", 14),
        Column("Returns on time", "int", 11),
        Column("Timeliness (%)", "pct", 13),
        Column("Practices scored", "int", 11),
        Column("Mean maturity", "num", 11),
        Column("On track (%)", "pct", 11),
    ]
    top = [t for t in data.trend if t.area_code == (data.scope_code or "ENG")]
    rest = sorted((t for t in data.trend if t not in top), key=lambda t: (t.area_name, t.area_code, t.period_code))
    rows = [
        (
            t.period_code.replace("-", " "),
            t.area_code,
            t.area_name,
            t.practices,
            t.received,
            ratio(t.received, t.practices),
            t.on_time,
            ratio(t.on_time, t.practices),
            t.scored,
            t.mean_maturity,
            ratio(t.on_track, t.scored),
        )
        for t in [*top, *rest]
    ]
    return Sheet("Trend", "trend", cols, rows, freeze_columns=3)


def indicators_sheet(data: Dataset) -> Sheet:
    cols = [
        Column("Code", "code", 18),
        Column("Indicator", "text", 44),
        Column("Theme", "text", 24),
        Column("Unit", "code", 8),
        Column("Target", "num", 8),
        Column("Target date", "date", 12),
        Column("Due every 31 March", "yesno", 10),
        Column("Target provenance", "code", 11),
        Column("Where the target came from", "text", 50, wrap=True),
        Column("Weight in maturity", "num", 10),
        Column("Definition", "text", 60, wrap=True),
    ]
    rows = [
        (
            i.code,
            i.name,
            i.theme,
            i.unit,
            i.target_value,
            i.target_date,
            int(i.target_annual),
            i.provenance_kind,
            i.provenance,
            i.weight,
            i.definition,
        )
        for i in data.indicators
    ]
    return Sheet("Indicators", "indicators", cols, rows, freeze_columns=2)


def funding_sheet(data: Dataset) -> Sheet:
    cols = [
        Column("Record", "code", 20),
        Column("Stream", "text", 30),
        Column("Financial year", "code", 10),
        Column("CCG code", "code", 8),
        Column("CCG", "text", 36),
        Column("Item", "text", 40),
        Column("Amount (£)", "pounds", 16),
        Column("State", "code", 10),
        Column("Date", "date", 12),
        Column("Note", "text", 50, wrap=True),
    ]
    rows: list[tuple[Any, ...]]
    if not data.funding_available:
        rows = [("Funding", NOT_AVAILABLE, "", "", "", "", None, "", None, "No funding streams are recorded yet.")]
    else:
        rows = [
            (
                r.kind,
                r.stream,
                r.financial_year,
                r.ccg_code,
                r.ccg_name,
                r.item,
                r.amount_pence,
                r.state,
                r.date,
                r.note,
            )
            for r in data.ledger
        ]
    return Sheet("Funding", "funding", cols, rows, freeze_columns=1)


# --- Summary ----------------------------------------------------------------------------------


def summary_sheet(data: Dataset, children: Sheet, trend: Sheet) -> Sheet:
    """The scope's figures, with charts of its regions or CCGs (`children`) and of its `trend`
    (the sheets the charts read from)."""
    f = area_figures(data.practices, data.indicators, sum_funding(data.ccg_funding.values()), data.aggregates.get(""))
    m, fu = data.maturity_available, data.funding_available
    na = NOT_AVAILABLE
    measures: list[tuple[str, Any, str]] = [
        ("Practices", f.practices, "int"),
        ("Registered patients", f.patients, "int"),
        ("Returns received", f.received, "int"),
        ("Completeness", f.completeness, "pct"),
        ("Returns on time", f.on_time, "int"),
        ("Timeliness", f.timeliness, "pct"),
        ("Practices with a maturity score", f.scored if m else na, "int"),
        ("Mean maturity (0-100)", f.mean_maturity if m else na, "num"),
        ("Practices on track", f.on_track if m else na, "pct"),
        ("Practices at risk", f.at_risk if m else na, "pct"),
        ("Practices off track", f.off_track if m else na, "pct"),
        (FORECAST_SHARE_HEADING.removesuffix(" (%)"), f.forecast_met if data.forecast_available else na, "pct"),
        ("Funding allocated to CCGs (£)", f.allocated_pence if fu else na, "pounds"),
        ("Allocated per patient (£)", f.per_patient_pence(f.allocated_pence) if fu else na, "pounds_pp"),
        ("Funding awarded to practices (£)", f.funding["to_practices"] if fu else na, "pounds"),
    ]
    cols = [Column("Measure", "code", 34), Column("Value", "num", 18)]
    rows = [(label, Typed(value, kind)) for label, value, kind in measures]
    preamble = [data.title, f"Period {data.period_label} (due {data.period_due:%d %B %Y}); as at {data.as_at:%d %B %Y}"]
    sheet = Sheet("Summary", "summary", cols, rows, preamble=preamble)
    first, last = children.header_row + 1, children.header_row + len(children.rows)
    label = children.columns[1].header
    if children.rows:
        _chart_or_table(
            sheet,
            children,
            Chart(
                "bar",
                f"Completeness and timeliness by {_by(label)}",
                children.title,
                label,
                ("Completeness (%)", "Timeliness (%)"),
                first,
                last,
                percent=True,
            ),
        )
        if m:
            _chart_or_table(
                sheet,
                children,
                Chart(
                    "bar",
                    f"Mean maturity by {_by(label)}",
                    children.title,
                    label,
                    ("Mean maturity",),
                    first,
                    last,
                    y_title="Maturity (0-100)",
                    y_max=100,
                ),
            )
    periods = sum(1 for t in data.trend if t.area_code == (data.scope_code or "ENG"))
    if periods:
        _chart_or_table(
            sheet,
            trend,
            Chart(
                "line",
                f"{data.scope_name}: completeness and timeliness by period",
                "Trend",
                "Period",
                ("Completeness (%)", "Timeliness (%)"),
                2,
                1 + periods,
                percent=True,
            ),
        )
        if m:
            _chart_or_table(
                sheet,
                trend,
                Chart(
                    "line",
                    f"{data.scope_name}: mean maturity by period",
                    "Trend",
                    "Period",
                    ("Mean maturity",),
                    2,
                    1 + periods,
                    y_title="Maturity (0-100)",
                    y_max=100,
                ),
            )
    return sheet


def _by(label: str) -> str:
    """A column heading as it reads after "by": "by region", but "by CCG"."""
    return label if label.isupper() else label.lower()


def _chart_or_table(sheet: Sheet, source: Sheet, chart: Chart) -> None:
    """The chart, or when it would show a single bar or point, its figures as a small table."""
    if chart.categories > 1:
        sheet.charts.append(chart)
        return
    headers = (chart.category, *chart.series)
    picked = [source.column_index(h) - 1 for h in headers]
    rows = [
        tuple(row[i] for i in picked)
        for row in source.rows[chart.first_row - source.header_row - 1 : chart.last_row - source.header_row]
    ]
    sheet.small_tables.append(SmallTable(chart.title, [source.columns[i] for i in picked], rows))


# --- National feeds ---------------------------------------------------------------------------


def feed_cell(line: FeedLine, value: float | None) -> float | None:
    """Feed and own values as cells: percentages and shares of practices become fractions (Excel's
    percent format); a practice's yes/no stays 1 or 0."""
    if value is None:
        return None
    if line.unit == "yesno" and line.level == "Practice":
        return value
    return round(value / 100, 6) if line.unit in ("percent", "yesno") else value


def feeds_sheet(data: Dataset) -> Sheet:
    """Each national feed's figure of the period for the area, its CCGs and its practices, beside
    the practice's own approved value: where each value came from, side by side."""
    cols = [
        Column("Level", "code", 9),
        Column("Code", "code", 9),
        Column("Name", "text", 36),
        Column("CCG code", "code", 8),
        Column("Indicator", "code", 16),
        Column("Feed", "text", 14),
        Column("Practices in the feed", "int", 10),
        Column("Feed value (% or share saying yes)", "pct", 12),
        Column("Feed value (yes/no)", "yesno", 10),
        Column("Self-reported (approved return, %)", "pct", 12),
        Column("Self-reported (yes/no)", "yesno", 10),
    ]
    rows = []
    for line in data.feeds:
        flag = line.unit == "yesno" and line.level == "Practice"
        rows.append(
            (
                line.level,
                line.code,
                line.name,
                line.ccg_code,
                line.indicator_code,
                line.source,
                line.practices,
                None if flag else feed_cell(line, line.feed_value),
                feed_cell(line, line.feed_value) if flag else None,
                None if flag else feed_cell(line, line.own_value),
                feed_cell(line, line.own_value) if flag else None,
            )
        )
    return Sheet("National feeds", "feeds", cols, rows, freeze_columns=3)


def build(data: Dataset, only: str | None = None) -> Book:
    """Every sheet of the workbook (or just the one a CSV needs)."""
    builders: dict[str, Callable[[Dataset], Sheet]] = {
        "regions": regions_sheet,
        "ccgs": ccgs_sheet,
        "practices": practices_sheet,
        "trend": trend_sheet,
        "indicators": indicators_sheet,
        "funding": funding_sheet,
    }
    built: dict[str, Sheet] = {}
    for name, builder in builders.items():
        if only in (None, name, "summary"):
            built[name] = builder(data)
    if data.feeds or only == "feeds":
        built["feeds"] = feeds_sheet(data)
    if only in (None, "summary"):
        children = built["regions"] if data.scope == "national" else built["ccgs"]
        built["summary"] = summary_sheet(data, children, built["trend"])
    if only in (None, "about"):
        built["about"] = about.about_sheet(data)
    order = [n for n in CSV_TABLES if n in built]
    return Book(
        title=data.title,
        subject=f"Digital maturity of GP practices, {data.period_label}",
        keywords="NHS; GP IT; paperless; digital maturity",
        created=data.data_changed_at,
        sheets=[built[n] for n in order],
    )
