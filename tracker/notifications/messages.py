"""The emails' values: each kind's plain values handed to its templates in templates/emails/. Pure.

The words live in the templates (see tracker/notifications/render.py), so content designers can
change them without touching code; this module only gathers what the templates need.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tracker.notifications.render import Email, render

__all__ = ["Email", "ccg_report", "funding", "national_summary", "region_summary", "reminder"]


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
) -> Email:
    """A reminder to a practice whose return is not in, saying what is missing."""
    return render(
        "reminder",
        ods_code=ods_code,
        practice_name=practice_name,
        period_label=period_label,
        due_on=due_on,
        days_left=days_left,
        state=state,
        missing=missing,
        link=link,
    )


def ccg_report(data: dict[str, Any], *, link: str, attachment_missing: bool = False) -> Email:
    """The CCG's weekly status report (with the escalation: overdue and unreachable practices)."""
    return render("ccg_report", **data, link=link, attachment_missing=attachment_missing)


def region_summary(data: dict[str, Any], *, link: str) -> Email:
    return render("region_summary", **data, link=link)


def national_summary(data: dict[str, Any], *, link: str, attachment_missing: bool = False) -> Email:
    return render("national_summary", **data, link=link, attachment_missing=attachment_missing)


def funding(rows: list[dict[str, Any]], financial_year: str) -> dict[str, Any]:
    """The CCG's latest forecast outturn per stream, summed, for the report's funding line."""
    return {
        "financial_year": financial_year,
        "streams": len(rows),
        "total_pence": sum(int(r["outturn_pence"]) for r in rows),
        "latest_quarter": max((int(r["quarter"]) for r in rows), default=None),
    }
