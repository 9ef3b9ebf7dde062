"""Periods worked out from the calendar. No database.

The NHS financial year runs 1 April to 31 March and is written 2016/17. Q1 is April to June,
Q4 January to March. A period opens the day after its quarter ends, is due DUE_DAYS after the
quarter ends, and locks LOCK_GRACE_DAYS after that.
"""

from __future__ import annotations

import datetime as dt
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

    @property
    def financial_year(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def code(self) -> str:
        return f"{self.financial_year}-Q{self.quarter}"

    @property
    def label(self) -> str:
        return f"{self.financial_year} Q{self.quarter}"

    @property
    def start_date(self) -> dt.date:
        month = 4 + 3 * (self.quarter - 1)
        year = self.start_year
        if month > 12:
            month -= 12
            year += 1
        return dt.date(year, month, 1)

    @property
    def end_date(self) -> dt.date:
        return self.next().start_date - dt.timedelta(days=1)

    @property
    def opens_on(self) -> dt.date:
        return self.end_date + dt.timedelta(days=1)

    @property
    def due_on(self) -> dt.date:
        return self.end_date + dt.timedelta(days=DUE_DAYS)

    @property
    def locks_on(self) -> dt.date:
        return self.due_on + dt.timedelta(days=LOCK_GRACE_DAYS)

    def next(self) -> PeriodSpec:
        if self.quarter == 4:
            return PeriodSpec(self.start_year + 1, 1)
        return PeriodSpec(self.start_year, self.quarter + 1)

    def previous(self) -> PeriodSpec:
        if self.quarter == 1:
            return PeriodSpec(self.start_year - 1, 4)
        return PeriodSpec(self.start_year, self.quarter - 1)


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
