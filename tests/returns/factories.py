"""Factories for returns: periods, the indicator catalogue and returns with values, written
through the tracker's own tables. Other features' tests may import them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tracker.indicators import service as indicators
from tracker.periods import service as periods
from tracker.tables import LockException, Period, PracticeReturn, ReturnValue

NOW = dt.datetime(2018, 4, 10, 9, 30, tzinfo=dt.UTC)
OPEN = "2017/18-Q4"  # open for returns on the tests' date, 2018-04-20
OPEN_URL = "2017-18-Q4"
PREVIOUS = "2017/18-Q3"  # locked on 2018-03-01
PREVIOUS_URL = "2017-18-Q3"


async def setup_catalogue() -> dict[str, int]:
    """Every programme period and the 16 indicators; returns indicator ids by code."""
    await periods.ensure_periods()
    await indicators.load()
    return await indicators.indicator_ids()


async def period(code: str) -> dict[str, Any]:
    row = await Period.select().where(Period.code == code).first()
    assert row is not None, code
    return row


def complete_values(**overrides: Any) -> dict[str, float]:
    """A full set of plausible values by indicator code (yes/no as 1/0)."""
    values = {
        "PO_REG_PCT": 24.0,
        "PO_APPT_ENABLED": 1.0,
        "PO_RX_ENABLED": 1.0,
        "PO_DCR_ENABLED": 1.0,
        "EPS_LIVE": 1.0,
        "EPS_UTIL_PCT": 70.0,
        "ERD_PCT": 12.0,
        "GP2GP_UTIL_PCT": 96.0,
        "SCR_PCT": 97.0,
        "ERS_UTIL_PCT": 60.0,
        "EDISCHARGE_PCT": 80.0,
        "LG_DIGITISED_PCT": 35.0,
        "WIFI_LIVE": 1.0,
        "IGT_L2": 1.0,
        "NHSMAIL": 1.0,
        "OC_LIVE": 0.0,
    }
    values.update(overrides)
    return values


def form_data(
    values: dict[str, float | None] | None = None, version: int = 0, action: str = "draft", **extra: str
) -> dict[str, str]:
    """The form fields a browser would send for these values."""
    from tracker.indicators.catalogue import load_catalogue

    units = {s.code: s.unit for s in load_catalogue()}
    data: dict[str, str] = {"version": str(version), "action": action}
    for code, value in (values if values is not None else complete_values()).items():
        if value is None:
            continue
        if units[code] == "yesno":
            data[code] = "yes" if value >= 0.5 else "no"
        else:
            data[code] = f"{value:g}"
    data.update(extra)
    return data


async def make_return(
    practice: dict[str, Any],
    period_code: str = OPEN,
    state: str = "draft",
    values: dict[str, float] | None = None,
    *,
    submitted_at: dt.datetime | None = None,
    version: int = 1,
) -> dict[str, Any]:
    ids = await indicators.indicator_ids()
    pe = await period(period_code)
    sent = submitted_at or (NOW if state in ("submitted", "approved", "returned") else None)
    rows = await PracticeReturn.insert(
        PracticeReturn(
            practice=practice["id"],
            period=pe["id"],
            state=state,
            version=version,
            created_at=NOW,
            updated_at=NOW,
            submitted_at=sent,
            first_submitted_at=sent,
            returned_reason="Please check e-RS" if state == "returned" else "",
        )
    ).returning(*PracticeReturn.all_columns())
    row = rows[0]
    for code, value in (values if values is not None else complete_values()).items():
        await ReturnValue.insert(ReturnValue(practice_return=row["id"], indicator=ids[code], value=value))
    return row


async def grant_exception(practice: dict[str, Any], period_code: str, until: dt.date) -> None:
    pe = await period(period_code)
    await LockException.insert(
        LockException(practice=practice["id"], period=pe["id"], until=until, reason="test", granted_at=NOW)
    )
