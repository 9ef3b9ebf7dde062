"""Periods as the administrator's page shows them."""

from __future__ import annotations

import datetime as dt

from tracker.periods.calculations import PeriodDates
from tracker.periods.service import PeriodRow
from tracker.returns.calculations import Window, is_locked, is_open
from tracker.web.formatting import long_date


def state(opens_on: dt.date, due_on: dt.date, locks_on: dt.date, today: dt.date) -> str:
    """Where a period's return window stands on `today`, by the lifecycle's own rules."""
    window = Window(opens_on, due_on, locks_on)
    if not is_open(window, today):
        return "Not open yet"
    if is_locked(window, today):
        return "Locked"
    if today > due_on:
        return "Past its due date: late returns accepted until it locks"
    return "Open for returns"


def period_rows(periods: list[PeriodRow], today: dt.date) -> list[dict[str, str]]:
    return [
        {
            "code": p.code,
            "label": p.code.replace("-", " "),
            "quarter": f"{long_date(p.start_date)} to {long_date(p.end_date)}",
            "opens": long_date(p.opens_on),
            "due": long_date(p.due_on),
            "locks": long_date(p.locks_on),
            "state": state(p.opens_on, p.due_on, p.locks_on, today),
        }
        for p in periods
    ]


def preview_rows(result: list[tuple[PeriodDates, bool]]) -> list[dict[str, str]]:
    return [
        {
            "label": d.spec.label,
            "quarter": f"{long_date(d.spec.start_date)} to {long_date(d.spec.end_date)}",
            "opens": long_date(d.opens_on),
            "due": long_date(d.due_on),
            "locks": long_date(d.locks_on),
            "action": "Will be created" if is_new else "Already exists: its dates are kept",
        }
        for d, is_new in result
    ]
