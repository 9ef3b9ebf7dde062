"""The rules behind every figure users compare, each written once, in code and in plain words.

Every surface (dashboards, review grid, home cards, workbooks, CSVs, emails, the API) gets its
numbers from rows computed with these rules; the words below are what the README's rules section,
the workbook's About sheet and the dashboards' "how the figures work" text show, so users read the
same definition the code applies (a test checks each of those places against `DEFINITIONS`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tracker import clock

UK = clock.ENGLAND  # the one definition of the tracker's zone


@dataclass(frozen=True)
class Definition:
    name: str
    words: str


DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "Expected",
        "A practice is expected to send a return for a period when it was open on any day of that "
        "period (by its ODS open and close dates). It counts under the CCG and region it belonged to "
        "on its last open day of the period, so later mergers and moves never change a past period.",
    ),
    Definition(
        "Received",
        "A return is received when the practice has submitted it at least once, even if the CCG "
        "later sent it back for a correction.",
    ),
    Definition(
        "On time",
        "A return is on time when it was first submitted by 23:59:59 UK time on the period's due date.",
    ),
    Definition("Completeness", "Returns received from expected practices, as a share of the practices expected."),
    Definition("Timeliness", "Returns received on time from expected practices, as a share of the practices expected."),
    Definition(
        "Maturity",
        "A practice's maturity is the weighted share of indicators meeting their target in its latest "
        "approved return, out of 100. Figures for a CCG, region or England are the mean of their "
        "practices' maturity weighted by registered patients.",
    ),
    Definition(
        "Status",
        "On track, at risk or off track for the 2018 target, from the practice's own trajectory; "
        "'not scored' when it has no approved return yet.",
    ),
    Definition(
        "Forecast",
        "The date a practice's maturity is forecast to reach 80 (the Paperless level), from a least-squares "
        "line through its maturity in its last 8 approved returns up to the period: at least 3 are needed "
        "(otherwise 'not enough returns to forecast'); a line that is not rising gives no date; a practice "
        "already at 80 has the date it got there. Figures for a CCG, region or England are the share of "
        "their practices with a forecast that are forecast to reach 80 by 31 March 2018. A forecast made "
        "in a provisional period is provisional too.",
    ),
    Definition(
        "Provisional",
        "A period is provisional until its returns lock: its figures can still change, and charts, "
        "tables, workbooks and emails mark them as provisional.",
    ),
    Definition(
        "Funding total",
        "The money an organisation received in a financial year: approved fair-share allocations, "
        "transition awards and approved capital bids to its CCG, and awards to its practices, in pounds.",
    ),
)


def definition(name: str) -> str:
    for d in DEFINITIONS:
        if d.name == name:
            return d.words
    raise KeyError(name)


def due_instant(due_on: dt.date) -> dt.datetime:
    """The last moment a return counts as on time: 23:59:59.999999 UK time on the due date."""
    return dt.datetime.combine(due_on, dt.time.max, tzinfo=UK)


def on_time(first_submitted_at: dt.datetime | None, due_on: dt.date | None) -> bool:
    """First submitted by the end of the due date in the UK (naive times are UTC, as stored)."""
    if first_submitted_at is None or due_on is None:
        return False
    return _aware(first_submitted_at) <= due_instant(due_on)


def uk_date(moment: dt.datetime) -> dt.date:
    """The date in the UK of a stored moment (naive times are UTC, as stored): the date a person
    reads beside the on-time rule, which is the UK's."""
    return _aware(moment).astimezone(UK).date()


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def open_during(open_date: dt.date | None, close_date: dt.date | None, start: dt.date, end: dt.date) -> bool:
    """Open on at least one day from `start` to `end` inclusive."""
    if open_date is not None and open_date > end:
        return False
    return close_date is None or close_date >= start


def last_open_day(close_date: dt.date | None, start: dt.date, end: dt.date) -> dt.date:
    """The day whose organisation a practice counts under for a period: the period's last day, or
    the day it closed if it closed during the period."""
    if close_date is not None and start <= close_date < end:
        return close_date
    return end


def share(part: int, whole: int) -> float | None:
    """A percentage, or None when nothing was expected (shown as 'no returns expected')."""
    return None if whole == 0 else 100.0 * part / whole


def provisional(locks_on: dt.date | None, today: dt.date) -> bool:
    """A period stays provisional until its lock date has passed."""
    return locks_on is None or today <= locks_on
