"""Periods worked out from the calendar. No database.

The NHS financial year runs 1 April to 31 March and is written 2016/17. Q1 is April to June,
Q4 January to March. A period opens the day after its quarter ends, is due DUE_DAYS after the
quarter ends, and locks LOCK_GRACE_DAYS after that.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

DUE_DAYS = 30
LOCK_GRACE_DAYS = 30
FIRST = (2014, 1)  # 2014/15 Q1
LAST = (2018, 4)  # 2018/19 Q4
CODE = re.compile(r"^(\d{4})/(\d{2})[- ]Q([1-4])$")


@dataclass(frozen=True, order=True)
class PeriodSpec:
    start_year: int  # the calendar year the financial year starts in (2017 for 2017/18)
    quarter: int

    # Each name and date is worked out once per quarter (see `_names`, `_dates`): the demo and the
    # scores read them millions of times, and each `end_date` made a new PeriodSpec to find it.
    @property
    def financial_year(self) -> str:
        return _names(self.start_year, self.quarter)[0]

    @property
    def code(self) -> str:
        return _names(self.start_year, self.quarter)[1]

    @property
    def label(self) -> str:
        return _names(self.start_year, self.quarter)[2]

    @property
    def start_date(self) -> dt.date:
        return _dates(self.start_year, self.quarter)[0]

    @property
    def end_date(self) -> dt.date:
        return _dates(self.start_year, self.quarter)[1]

    @property
    def opens_on(self) -> dt.date:
        return _dates(self.start_year, self.quarter)[2]

    @property
    def due_on(self) -> dt.date:
        return _dates(self.start_year, self.quarter)[3]

    @property
    def locks_on(self) -> dt.date:
        return _dates(self.start_year, self.quarter)[4]

    def next(self) -> PeriodSpec:
        if self.quarter == 4:
            return PeriodSpec(self.start_year + 1, 1)
        return PeriodSpec(self.start_year, self.quarter + 1)

    def previous(self) -> PeriodSpec:
        if self.quarter == 1:
            return PeriodSpec(self.start_year - 1, 4)
        return PeriodSpec(self.start_year, self.quarter - 1)


@functools.cache
def _names(start_year: int, quarter: int) -> tuple[str, str, str]:
    """(financial year, code, label) of a quarter: ('2017/18', '2017/18-Q3', '2017/18 Q3')."""
    financial_year = f"{start_year}/{(start_year + 1) % 100:02d}"
    return financial_year, f"{financial_year}-Q{quarter}", f"{financial_year} Q{quarter}"


def _first_day(start_year: int, quarter: int) -> dt.date:
    month = 4 + 3 * (quarter - 1)
    year = start_year
    if month > 12:
        month -= 12
        year += 1
    return dt.date(year, month, 1)


@functools.cache
def _dates(start_year: int, quarter: int) -> tuple[dt.date, dt.date, dt.date, dt.date, dt.date]:
    """(start, end, opens on, due on, locks on) of a quarter."""
    after = PeriodSpec(start_year, quarter).next()
    end = _first_day(after.start_year, after.quarter) - dt.timedelta(days=1)
    due = end + dt.timedelta(days=DUE_DAYS)
    return (
        _first_day(start_year, quarter),
        end,
        end + dt.timedelta(days=1),
        due,
        due + dt.timedelta(days=LOCK_GRACE_DAYS),
    )


def parse_code(text: str) -> PeriodSpec:
    """'2017/18-Q3' or '2017/18 Q3' -> PeriodSpec; ValueError with a readable message otherwise."""
    match = CODE.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a period: write it like 2017/18-Q3")
    start, end, quarter = int(match[1]), int(match[2]), int(match[3])
    if (start + 1) % 100 != end:
        raise ValueError(f"{text!r} is not a financial year: the years must follow on, like 2017/18")
    return PeriodSpec(start, quarter)


def programme_periods(first: tuple[int, int] = FIRST, last: tuple[int, int] = LAST) -> list[PeriodSpec]:
    periods = []
    current, end = PeriodSpec(*first), PeriodSpec(*last)
    while current <= end:
        periods.append(current)
        current = current.next()
    return periods


def quarter_containing(day: dt.date) -> PeriodSpec:
    start_year = day.year if day.month >= 4 else day.year - 1
    quarter = ((day.month - 4) % 12) // 3 + 1
    return PeriodSpec(start_year, quarter)


def open_for_returns(day: dt.date) -> PeriodSpec:
    """The period whose return window a date falls in: the quarter that ended most recently."""
    return quarter_containing(day).previous()


YEAR = re.compile(r"^(\d{4})(?:/(\d{2}))?$")


@dataclass(frozen=True)
class PeriodDates:
    spec: PeriodSpec
    opens_on: dt.date
    due_on: dt.date
    locks_on: dt.date


def parse_financial_year(text: str) -> int:
    """'2019/20' (or '2019') -> 2019, the calendar year the financial year starts in."""
    match = YEAR.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a financial year: write it like 2019/20")
    start = int(match[1])
    if match[2] is not None and (start + 1) % 100 != int(match[2]):
        raise ValueError(f"{text!r} is not a financial year: the years must follow on, like 2019/20")
    if not 2000 <= start <= 2100:
        raise ValueError(f"{text!r} is outside the years the tracker knows (2000 to 2100)")
    return start


def year_periods(start_year: int, due_days: int = DUE_DAYS, lock_days: int = LOCK_GRACE_DAYS) -> list[PeriodDates]:
    """The four quarters of a financial year, each due `due_days` after it ends and locked
    `lock_days` after that."""
    out = []
    for quarter in (1, 2, 3, 4):
        spec = PeriodSpec(start_year, quarter)
        due = spec.end_date + dt.timedelta(days=due_days)
        out.append(PeriodDates(spec, spec.opens_on, due, due + dt.timedelta(days=lock_days)))
    return out
