"""The About sheet: what the workbook is, and how every figure in it is worked out. Pure."""

from __future__ import annotations

from tracker.exports.calculations import NOT_AVAILABLE, Dataset
from tracker.exports.layout import Column, Sheet

MEASURES: tuple[tuple[str, str], ...] = (
    ("Practices", "GP practices open now (ODS status A) in the area. Closed practices are left out."),
    (
        "Registered patients / List size",
        "Patients registered at the practice on the latest NHS Digital snapshot on or before the end of the "
        "period (the earliest snapshot when there is none before it).",
    ),
    ("Returns received", "Practices whose return for the period has been submitted (whatever its state now)."),
    ("Returns on time", "Returns received whose first submission was on or before the period's due date."),
    ("Completeness (%)", "Returns received divided by practices."),
    ("Timeliness (%)", "Returns on time divided by practices."),
    (
        "Latest value (Practices sheet)",
        "The indicator's value in the practice's latest approved return for a period up to and including this "
        "one; 'Values from period' names that period. Percentages are stored as numbers (62% is 0.62).",
    ),
    ("<CODE> mean", "Mean of the practices' latest values; practices without a value are left out."),
    (
        "<CODE> meeting target (%)",
        "Share of the practices with a latest value whose value is at or above the indicator's target.",
    ),
    (
        "Maturity (0-100)",
        "The maturity index the tracker computes from each practice's approved returns: the weighted mean of the "
        "practice's attainment on every indicator (weights on the Indicators sheet), 0 to 100.",
    ),
    ("Level", "The maturity index in four bands, 1 (lowest) to 4."),
    (
        "Status",
        "On track: every scored indicator meets its target or is forecast to by its deadline; at risk: some are "
        "forecast to miss; off track: deadlines passed or forecast missed on most. No score: no approved return yet. "
        "The status is written in words; the colour only repeats it.",
    ),
    ("Mean maturity", "Mean of the maturity index over the practices with a score."),
    ("On track / At risk / Off track (%)", "Share of the practices with a score that have that status."),
    ("Forecast date", "The date the practice is forecast to meet all its targets, when the tracker can forecast it."),
    (
        "Funding (£)",
        "From the tracker's funding records for financial years up to and including the period's: approved "
        "fair-share allocation runs, transition fund awards, approved capital bids and applied reallocations "
        "(negative when money was recovered). Total allocated is their sum; per patient divides by registered "
        "patients. Awarded to practices / Funding received: CCG awards to practices dated up to the end of the "
        "period.",
    ),
)


def about_sheet(data: Dataset) -> Sheet:
    rows: list[tuple[str, str, str]] = [
        ("Workbook", "Title", data.title),
        ("Workbook", "Area", "England" if data.scope == "national" else f"{data.scope_name} ({data.scope_code})"),
        ("Workbook", "Period", f"{data.period_label}: {data.period_start:%d %B %Y} to {data.period_end:%d %B %Y}"),
        ("Workbook", "Returns due", f"{data.period_due:%d %B %Y}"),
        ("Workbook", "As at", f"{data.as_at:%d %B %Y}"),
        (
            "Workbook",
            "Generated at",
            f"{data.data_changed_at:%d %B %Y %H:%M} UTC (the time of the latest change to the data it shows, so "
            "the same data always gives the same file)",
        ),
        ("Workbook", "Source", "The Paperless Tracker: practices' returns as reviewed by their CCGs."),
        (
            "Sheets",
            "Contents",
            "Summary: headline figures and charts. Regions, CCGs: one row each. Practices: one row each. "
            "Trend: figures per period. Indicators: the catalogue and targets. Funding: streams, allocations, "
            "awards, reallocations.",
        ),
    ]
    rows += [("Definitions", name, text) for name, text in MEASURES]
    missing = []
    if not data.maturity_available:
        missing.append("maturity scores for this period (maturity, level, status)")
    if not data.forecast_available:
        missing.append("forecast dates")
    if not data.funding_available:
        missing.append("funding")
    if missing:
        rows.append(("Definitions", "Not available yet", f"Cells reading '{NOT_AVAILABLE}': " + "; ".join(missing)))
    for ind in data.indicators:
        target = "Yes" if ind.unit == "yesno" else f"{ind.target_value:g}{'%' if ind.unit == 'percent' else ''}"
        by = f"{ind.target_date:%d %B %Y}" if ind.target_date else "no date"
        if ind.target_annual:
            by += ", then every 31 March"
        rows.append(
            (
                "Targets",
                f"{ind.code}: {ind.name}",
                f"{target} by {by}. {ind.provenance_kind.capitalize()} target: {ind.provenance}",
            )
        )
    rows += [(note_kind, "Note", text) for note_kind, text in (("Notes", n) for n in data.notes)]
    cols = [Column("Section", "code", 12), Column("Item", "text", 40), Column("Detail", "text", 110)]
    return Sheet("About", "about", cols, rows, freeze_columns=0)
