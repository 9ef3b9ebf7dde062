"""Forecasts of outturn as other features read them: the CCG weekly report's funding line."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tracker import db


@dataclass(frozen=True)
class Forecast:
    """One forecast of a CCG's outturn on a funding stream for a quarter of a financial year."""

    ccg_id: int
    stream_id: int
    quarter: int
    outturn_pence: int
    entered_at: dt.datetime


async def latest_by_ccg(financial_year: str) -> dict[int, list[Forecast]]:
    """CCG id -> its latest forecast per funding stream for the year: that of the latest quarter
    forecast, the last entered for it."""
    rows = await db.fetch(
        "SELECT ccg, stream, quarter, outturn_pence, entered_at FROM funding_forecast "
        "WHERE financial_year = {} ORDER BY quarter, entered_at",
        financial_year,
    )
    latest: dict[tuple[int, int], Forecast] = {}
    for r in rows:
        latest[(r["ccg"], r["stream"])] = Forecast(
            r["ccg"], r["stream"], r["quarter"], r["outturn_pence"], r["entered_at"]
        )
    out: dict[int, list[Forecast]] = {}
    for (ccg_id, _), forecast in latest.items():
        out.setdefault(ccg_id, []).append(forecast)
    return out
