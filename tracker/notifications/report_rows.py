"""The status reports' values as frozen rows: what report_service gathers, the templates under
templates/emails/ read, and the previews' samples fill in. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReportFigures:
    """One organisation's figures in a report: completeness, timeliness and returns awaiting review."""

    period_label: str
    expected: int
    returns_in: int
    completeness: float | None
    timeliness_label: str
    timeliness: float | None
    awaiting_review: int


@dataclass(frozen=True, slots=True)
class OverduePractice:
    """A practice whose return is overdue in a period still being chased (`ccg_code` for a region's list)."""

    ods_code: str
    name: str
    ccg_id: int | None
    region_id: int | None
    period_label: str
    days_overdue: int
    escalated: bool
    ccg_code: str = ""


@dataclass(frozen=True, slots=True)
class UnreachablePractice:
    """A practice an email failed to reach, and one failure."""

    ods_code: str
    name: str
    error: str


@dataclass(frozen=True, slots=True)
class OffTrackPractice:
    """A practice off track as the CCG dashboard lists it."""

    ods_code: str
    name: str
    maturity: float | None


@dataclass(frozen=True, slots=True)
class FundingLine:
    """A CCG's latest forecast outturn per stream, summed, for its report's funding line."""

    financial_year: str
    streams: int
    total_pence: int
    latest_quarter: int | None


@dataclass(frozen=True, slots=True)
class CcgReportRow:
    """A CCG's line in its region's summary."""

    code: str
    name: str
    figures: ReportFigures


@dataclass(frozen=True, slots=True)
class RegionReportRow:
    """A region's line in the national summary, with how many of its practices were escalated."""

    code: str
    name: str
    figures: ReportFigures
    escalated: int


@dataclass(frozen=True, slots=True)
class CcgReport:
    """A CCG's weekly status report."""

    code: str
    name: str
    as_at: dt.date
    figures: ReportFigures
    overdue: tuple[OverduePractice, ...]
    unreachable: tuple[UnreachablePractice, ...]
    off_track: tuple[OffTrackPractice, ...]
    scores_label: str
    funding: FundingLine


@dataclass(frozen=True, slots=True)
class RegionSummary:
    """A region's weekly summary: its figures, each of its CCGs', and its escalated practices."""

    code: str
    name: str
    as_at: dt.date
    figures: ReportFigures
    ccgs: tuple[CcgReportRow, ...]
    escalated: tuple[OverduePractice, ...]


@dataclass(frozen=True, slots=True)
class NationalSummary:
    """England's monthly summary: its figures and each region's."""

    as_at: dt.date
    figures: ReportFigures
    regions: tuple[RegionReportRow, ...]
