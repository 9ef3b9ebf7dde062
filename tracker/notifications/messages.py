"""The emails' values: each kind's plain values handed to its templates in templates/emails/. Pure.

The words live in the templates (see tracker/notifications/render.py), so content designers can
change them without touching code; this module only gathers what the templates need.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from tracker.notifications.leaving import report_of
from tracker.notifications.render import Email, Shape, render
from tracker.notifications.report_rows import CcgReport, FundingLine, NationalSummary, RegionSummary

if TYPE_CHECKING:
    from tracker.alerts.detect import Alert
    from tracker.alerts.service import Headline
    from tracker.funding.forecasts_service import Forecast

__all__ = [
    "Email",
    "account_invitation",
    "alert_digest",
    "ccg_report",
    "funding",
    "national_summary",
    "password_reset",
    "region_summary",
    "reminder",
    "reminders",
]

SECTION_ORDER = ("into_worst_decile", "out_of_worst_decile", "improving", "declining")
MOST_PER_SECTION = 10  # the largest moves; England's digest could list hundreds, the dashboard has the rest


def reminder(
    *,
    ods_code: str,
    practice_name: str,
    period_label: str,
    due_on: dt.date,
    days_left: int,
    state: str | None,
    missing: list[str],
    link: str,
    leave_link: str = "",
) -> Email:
    """A reminder to a practice whose return is not in, saying what is missing."""
    alike = reminders(period_label=period_label, due_on=due_on, days_left=days_left, state=state, missing=missing)
    return alike.reminder(ods_code=ods_code, practice_name=practice_name, link=link, leave_link=leave_link)


class Reminders:
    """Reminders alike but for the practice and the links: `reminder(...)` is `messages.reminder`
    with this period, state and missing answers. A run sends thousands of reminders of a handful
    of shapes; their shared values are looked at once a shape."""

    __slots__ = ("_shape",)

    def __init__(self, shape: Shape) -> None:
        self._shape = shape

    def reminder(self, *, ods_code: str, practice_name: str, link: str, leave_link: str = "") -> Email:
        return self._shape.render(
            {"ods_code": ods_code, "practice_name": practice_name, "link": link, "leave_link": leave_link}
        )


def reminders(
    *, period_label: str, due_on: dt.date, days_left: int, state: str | None, missing: list[str]
) -> Reminders:
    """The reminders of one shape (see `Reminders`)."""
    return Reminders(
        Shape(
            "reminder",
            # The footer names the report whatever the link (an empty link leaves it out).
            leave_label=_leaving("practice_reminder", "")["leave_label"],
            period_label=period_label,
            due_on=due_on,
            days_left=days_left,
            state=state,
            missing=missing,
        )
    )


def _leaving(kind: str, leave_link: str) -> dict[str, str]:
    """The footer's values: the link that leaves this kind of report, and the report's name."""
    report = report_of(kind)
    return {"leave_link": leave_link, "leave_label": report.label if report else ""}


def _fields(report: CcgReport | RegionSummary | NationalSummary) -> dict[str, Any]:
    """A report's values under their own names for its templates (its rows stay rows)."""
    return {f.name: getattr(report, f.name) for f in fields(report)}


def ccg_report(report: CcgReport, *, link: str, attachment_missing: bool = False, leave_link: str = "") -> Email:
    """The CCG's weekly status report (with the escalation: overdue and unreachable practices)."""
    return render(
        "ccg_report",
        **_fields(report),
        link=link,
        attachment_missing=attachment_missing,
        **_leaving("ccg_report", leave_link),
    )


def region_summary(report: RegionSummary, *, link: str, leave_link: str = "") -> Email:
    return render("region_summary", **_fields(report), link=link, **_leaving("region_summary", leave_link))


def national_summary(
    report: NationalSummary, *, link: str, attachment_missing: bool = False, leave_link: str = ""
) -> Email:
    return render(
        "national_summary",
        **_fields(report),
        link=link,
        attachment_missing=attachment_missing,
        **_leaving("national_summary", leave_link),
    )


def funding(forecasts: Sequence[Forecast], financial_year: str) -> FundingLine:
    """The CCG's latest forecast outturn per stream, summed, for the report's funding line."""
    return FundingLine(
        financial_year=financial_year,
        streams=len(forecasts),
        total_pence=sum(int(f.outturn_pence) for f in forecasts),
        latest_quarter=max((int(f.quarter) for f in forecasts), default=None),
    )


@dataclass(frozen=True, slots=True)
class DigestSection:
    """One kind of alert in a digest: those shown, how many were found, how many more there are."""

    kind: str
    moves: bool  # said as a move into or out of the worst tenth, not as a sustained change
    alerts: tuple[Alert, ...]
    count: int
    more: int


def alert_digest(
    *,
    level: str,
    code: str,
    name: str,
    month: str,
    first_period: str,
    headline: Headline,
    alerts: list[Alert],
    link: str,
    emails_link: str,
    leave_link: str = "",
) -> Email:
    """The monthly digest of alerts (tracker/alerts) for a CCG's practices, or a region's or
    England's CCGs: grouped by kind, at most MOST_PER_SECTION of each, the largest moves first."""
    sections = []
    for kind in SECTION_ORDER:
        # The largest moves among all organisations first: what most deserves a look.
        found = sorted(
            (a for a in alerts if a.kind == kind),
            key=lambda a: (-abs(a.to_percentile - a.from_percentile), a.org_code, a.measure.code),
        )
        shown = found[:MOST_PER_SECTION]
        sections.append(
            DigestSection(
                kind=kind,
                moves=kind in SECTION_ORDER[:2],
                alerts=tuple(shown),
                count=len(found),
                more=len(found) - len(shown),
            )
        )
    return render(
        "alert_digest",
        level=level,
        code=code,
        name=name,
        month=month,
        population="practices" if level == "ccg" else "CCGs",
        first_period=first_period,
        headline=headline,
        sections=sections,
        total=len(alerts),
        link=link,
        emails_link=emails_link,
        **_leaving("alert_digest", leave_link),
    )


def account_invitation(*, name: str, invited_by: str, link: str) -> Email:
    """An invitation to choose a password (the link is the account's one-time token)."""
    return render("account_invitation", name=name, invited_by=invited_by, link=link)


def password_reset(*, link: str) -> Email:
    return render("password_reset", link=link)
