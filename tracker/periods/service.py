"""Periods in the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any, Protocol

from tracker.changes import service as changes
from tracker.db import fetch, write_transaction
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


@dataclass(frozen=True, slots=True)
class PeriodRow:
    """One reporting period as the other features see it.

    `row["code"]` reads like `row.code`: period rows were dictionaries before, and templates and
    callers that index them keep working while they move to attributes."""

    id: int
    code: str
    financial_year: str
    quarter: int
    start_date: dt.date
    end_date: dt.date
    opens_on: dt.date
    due_on: dt.date
    locks_on: dt.date

    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def keys(self) -> list[str]:
        return [f.name for f in fields(self)]


class PeriodLike(Protocol):
    """What the figures of a period need of it, whichever feature's row carries it."""

    @property
    def id(self) -> int: ...
    @property
    def code(self) -> str: ...
    @property
    def locks_on(self) -> dt.date | None: ...


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _row(r: dict[str, Any]) -> PeriodRow:
    return PeriodRow(
        id=int(r["id"]),
        code=str(r["code"]),
        financial_year=str(r["financial_year"]),
        quarter=int(r["quarter"]),
        start_date=_date(r["start_date"]),
        end_date=_date(r["end_date"]),
        opens_on=_date(r["opens_on"]),
        due_on=_date(r["due_on"]),
        locks_on=_date(r["locks_on"]),
    )


# Plain SQL for the reads every page makes: Piccolo's query objects cost more than the query.
_COLUMNS = "id, code, financial_year, quarter, start_date, end_date, opens_on, due_on, locks_on"


async def _read_periods() -> list[PeriodRow]:
    return [_row(r) for r in await fetch(f"SELECT {_COLUMNS} FROM period ORDER BY start_date")]  # noqa: S608


# Every page asks: kept until a period changes (changes.REFERENCE).
_periods = changes.KeptReference(_read_periods)


async def all_periods() -> list[PeriodRow]:
    return list(await _periods.get())


async def by_code(code: str) -> PeriodRow | None:
    rows = await fetch(f"SELECT {_COLUMNS} FROM period WHERE code = {{}}", code)  # noqa: S608
    return _row(rows[0]) if rows else None


async def current_open(today: dt.date) -> PeriodRow | None:
    """The period whose return window is open on `today` (None outside the programme)."""
    return await by_code(open_for_returns(today).code)


async def latest_closed(today: dt.date) -> PeriodRow | None:
    """The most recent period whose due date has passed: the one dashboards show by default."""
    rows = await fetch(f"SELECT {_COLUMNS} FROM period WHERE due_on < {{}} ORDER BY due_on DESC LIMIT 1", today)  # noqa: S608
    return _row(rows[0]) if rows else None


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
