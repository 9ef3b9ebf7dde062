"""The About sheet: what the workbook is, and how every figure in it is worked out. Pure."""

from __future__ import annotations

from tracker.exports.calculations import FORECAST_SHARE_HEADING, LATEST_PERIOD_HEADING, NOT_AVAILABLE, Dataset
from tracker.exports.layout import Column, Sheet
from tracker.figures import rules

# The figures users compare everywhere are defined once, in figures.rules; this sheet says the
# same words. The rest are this workbook's own columns.
SHARED = (
    "Expected",
    "Received",
    "On time",
    "Completeness",
    "Timeliness",
    "Maturity",
    "Status",
    "Forecast",
    "Provisional",
)

MEASURES: tuple[tuple[str, str], ...] = (
    *((name, rules.definition(name)) for name in SHARED),
    (
        "Practices",
        "Regions, CCGs, Summary, Trend and the Practices sheet: the practices expected in the period, each under "
        "the CCG and region it belonged to then.",
    ),
    ("Registered patients / List size", "Patients registered at the practice on the snapshot nearest the period."),
    (
        "Latest value (Practices sheet)",
        "The indicator's value in the practice's latest approved return for a period up to and including this "
        f"one; '{LATEST_PERIOD_HEADING}' names that period. Percentages are stored as numbers (62% is 0.62); yes/no "
        "as 1 and 0 shown as Yes and No.",
    ),
    ("<indicator> mean", "Mean of the practices' latest values (each practice counts once); no value: left out."),
    (
        "<indicator> meeting target (%)",
        "Share of the practices with a latest value whose value is at or above the indicator's target.",
    ),
    (
        "Attainment",
        "How much of its target an indicator reaches, 0 to 1: yes = 1, no = 0; percentages value / target, "
        "capped at 1.",
    ),
    (
        "Maturity (0-100)",
        "100 x the weighted mean of the attainments of the indicators in the practice's approved return for the "
        "period (weights on the Indicators sheet; indicators without a value are left out). No approved return "
        "for the period: no score.",
    ),
    ("Level", "1 Mostly paper (under 50), 2 Developing (50 to 65), 3 Mostly digital (65 to 80), 4 Paperless (80+)."),
    (
        "Indicator status",
        "Met: on track. Yes/no not yet: on track until a year before the deadline, at risk in its last year, "
        "off track after it. Percentages: the gap below the straight line from the practice's first approved "
        "value to the target on its deadline, as a share of the target: up to 5% on track (before the deadline), "
        "up to 15% at risk, more off track.",
    ),
    (
        "Status rule",
        "Off track when more than a quarter of the practice's scored indicators are off track; on track when at "
        "least three quarters are on track; at risk otherwise. The status is written in words; the colour only "
        "repeats it.",
    ),
    ("On track / At risk / Off track (%)", "Share of the practices with a status that have that status."),
    (
        f"Forecast date / {FORECAST_SHARE_HEADING}",
        "The Forecast above: on the Practices sheet the practice's date, or why it has none; on the Summary, "
        "Regions and CCGs sheets the share of their practices.",
    ),
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
            "awards, reallocations."
            + (
                " National feeds: the national data feeds' values for the period beside the self-reported ones."
                if data.feeds
                else ""
            ),
        ),
    ]
    if data.feeds:
        rows.append(
            (
                "Definitions",
                "National feeds",
                "Values published nationally (NHS Choices, POMI, GP2GP; fixtures/feeds.toml says which field answers "
                "which indicator), not reported by practices. For England, a region or a CCG: for percentages the "
                "summed numerators over the summed denominators of its practices in the feed; for yes/no the share "
                "of its practices in the feed saying yes. Self-reported: the practice's approved value for this "
                "period, blank when it has none. The CCG dashboard shows the same figures.",
            )
        )
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
    cols = [
        Column("Section", "code", 12),
        Column("Item", "text", 40, wrap=True),
        Column("Detail", "text", 100, wrap=True),
    ]
    return Sheet("About", "about", cols, rows, freeze_columns=0)
