"""Periods in the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tracker.db import write_transaction
from tracker.periods.calculations import PeriodDates, PeriodSpec, open_for_returns, programme_periods
from tracker.tables import Period


async def ensure_periods(specs: list[PeriodSpec] | None = None) -> int:
    """Create the programme's periods that do not exist yet; returns how many were created."""
    specs = specs or programme_periods()
    async with write_transaction():
        existing = {r["code"] for r in await Period.select(Period.code)}
        new = [s for s in specs if s.code not in existing]
        if new:
            await Period.insert(
                *[
                    Period(
                        code=s.code,
                        financial_year=s.financial_year,
                        quarter=s.quarter,
                        start_date=s.start_date,
                        end_date=s.end_date,
                        opens_on=s.opens_on,
                        due_on=s.due_on,
                        locks_on=s.locks_on,
                    )
                    for s in new
                ]
            )
    return len(new)


async def all_periods() -> list[dict[str, Any]]:
    return await Period.select().order_by(Period.start_date)


async def by_code(code: str) -> dict[str, Any] | None:
    return await Period.select().where(Period.code == code).first()


async def current_open(today: dt.date) -> dict[str, Any] | None:
    """The period whose return window is open on `today` (None outside the programme)."""
    return await by_code(open_for_returns(today).code)


async def latest_closed(today: dt.date) -> dict[str, Any] | None:
    """The most recent period whose due date has passed: the one dashboards show by default."""
    return await Period.select().where(Period.due_on < today).order_by(Period.due_on, ascending=False).first()


async def create_periods(dates: list[PeriodDates], *, apply: bool) -> list[tuple[PeriodDates, bool]]:
    """Create the periods that do not exist yet (existing ones keep their dates); (dates, is new)."""
    async with write_transaction():
        existing = {r["code"] for r in await Period.select(Period.code)}
        result = [(d, d.spec.code not in existing) for d in dates]
        new = [d for d, is_new in result if is_new]
        if apply and new:
            await Period.insert(
                *[
                    Period(
                        code=d.spec.code,
                        financial_year=d.spec.financial_year,
                        quarter=d.spec.quarter,
                        start_date=d.spec.start_date,
                        end_date=d.spec.end_date,
                        opens_on=d.opens_on,
                        due_on=d.due_on,
                        locks_on=d.locks_on,
                    )
                    for d in new
                ]
            )
    return result


# --- Read by other features ------------------------------------------------------------------


async def codes_by_id() -> dict[int, str]:
    """Every period's code (like 2017/18-Q4), by id."""
    return {r["id"]: r["code"] for r in await Period.select(Period.id, Period.code)}
