"""A small scored world for the dashboard tests: make_org_tree(), the catalogue, the periods and a
few approved returns, written through the tables (the returns feature's own services are not needed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.factories import make_org_tree, make_practice
from tracker.indicators import service as indicators
from tracker.maturity import service as maturity
from tracker.periods import service as periods
from tracker.tables import PracticeReturn, ReturnValue

FIRST_CODES = ("2016/17-Q1", "2016/17-Q2", "2016/17-Q3", "2016/17-Q4", "2017/18-Q1", "2017/18-Q2", "2017/18-Q3")


def values_for(step: int, keen: bool) -> dict[str, float]:
    """Every indicator: keen practices are well ahead, others lag (and stall)."""
    pct = (40 + 8 * step) if keen else (20 + 2 * step)
    return {
        "PO_REG_PCT": min(100, pct / 2),
        "PO_APPT_ENABLED": 1,
        "PO_RX_ENABLED": 1,
        "PO_DCR_ENABLED": 1 if keen else 0,
        "OC_LIVE": 0,
        "EPS_LIVE": 1 if keen else 0,
        "EPS_UTIL_PCT": min(100, pct),
        "ERD_PCT": min(100, pct / 3),
        "GP2GP_UTIL_PCT": 96 if keen else 80,
        "SCR_PCT": 96 if keen else 85,
        "LG_DIGITISED_PCT": min(100, pct),
        "ERS_UTIL_PCT": min(100, pct + 20),
        "EDISCHARGE_PCT": 100 if keen else 70,
        "WIFI_LIVE": 1 if keen else 0,
        "IGT_L2": 1,
        "NHSMAIL": 1,
    }


async def add_return(
    practice: dict[str, Any],
    period: dict[str, Any],
    values: dict[str, float],
    state: str = "approved",
    late: bool = False,
) -> int:
    ids = await indicators.indicator_ids()
    submitted = dt.datetime.combine(period["due_on"] + dt.timedelta(days=5 if late else -5), dt.time(10), dt.UTC)
    rows = await PracticeReturn.insert(
        PracticeReturn(
            practice=practice["id"],
            period=period["id"],
            state=state,
            created_at=submitted,
            updated_at=submitted,
            submitted_at=submitted,
            first_submitted_at=submitted,
        )
    ).returning(PracticeReturn.id)
    return_id = rows[0]["id"]
    await ReturnValue.insert(
        *[ReturnValue(practice_return=return_id, indicator=ids[code], value=v) for code, v in values.items()]
    )
    return return_id


async def scored_world() -> dict[str, Any]:
    """A81001 keen, A81002 lagging and late, J81001 keen, J81002 never returns; all scored."""
    tree = await make_org_tree()
    await indicators.load()
    await periods.ensure_periods()
    by_code = {p["code"]: p for p in await periods.all_periods()}
    pa1, pa2, pb1, _ = tree["practices"]
    for step, code in enumerate(FIRST_CODES):
        await add_return(pa1, by_code[code], values_for(step, keen=True))
        await add_return(pa2, by_code[code], values_for(step, keen=False), late=step % 2 == 1)
        await add_return(pb1, by_code[code], values_for(step, keen=True))
    # A return waiting for review: never scored.
    await add_return(pa1, by_code["2017/18-Q4"], values_for(9, keen=True), state="submitted")
    await maturity.refresh_all()
    return {**tree, "periods": by_code}


def spread_values(step: int, i: int) -> dict[str, float]:
    """Every indicator for the i-th of many practices: each starts and climbs at its own pace, so
    the national deciles spread out like real ones."""
    start, pace = (7 * i) % 45, 2 + (3 * i) % 9
    pct = min(100.0, start + pace * step)
    values = values_for(step, keen=i % 2 == 0)
    for code in ("EPS_UTIL_PCT", "LG_DIGITISED_PCT", "ERS_UTIL_PCT"):
        values[code] = pct
    values["PO_REG_PCT"] = pct / 2
    values["ERD_PCT"] = pct / 3
    values["GP2GP_UTIL_PCT"] = min(100.0, 70 + (5 * i) % 30)
    values["SCR_PCT"] = min(100.0, 60 + (11 * i) % 40)
    values["EDISCHARGE_PCT"] = min(100.0, 40 + pace * 2 * step)
    return values


async def crowded_world(count: int = 30) -> dict[str, Any]:
    """The scored world and `count` more practices in its two CCGs, of three list sizes, each with
    approved returns for every quarter to 2017/18 Q4 (still open on 20 April 2018, so
    provisional); A81001's 2017/18 Q4 return is approved too. All scored."""
    world = await scored_world()
    by_code = world["periods"]
    ccgs = world["ccgs"]
    for i in range(count):
        practice = await make_practice(
            ccgs[i % 2], code=f"C{i:05d}", name=f"Practice {i:02d} Medical Centre", patients=(3000, 7000, 12000)[i % 3]
        )
        for step, code in enumerate((*FIRST_CODES, "2017/18-Q4")):
            await add_return(practice, by_code[code], spread_values(step, i))
    q4 = by_code["2017/18-Q4"]["id"]
    await PracticeReturn.update({PracticeReturn.state: "approved"}).where(PracticeReturn.period == q4)
    await maturity.refresh_all()
    return world
