"""A small England with a history, built through the real ODS imports: two editions of the practice
file (2015, with the four regions of the time, and 2019, with the seven), a membership file, list
sizes, returns over four periods and a fair-share allocation.

- 01A and 01B (North, later North West): A10003 moves from 01A to 01B on 1 April 2017.
- 07A (London): E30003 closes on 30 September 2016.
- 11A and 11B (South) merge into 11C (South West) on 1 April 2017.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.returns.factories import complete_values, make_return, setup_catalogue
from tracker.maturity import service as maturity
from tracker.organisations import import_service
from tracker.tables import AllocationLine, AllocationRun, Ccg, FundingStream, ListSize, Practice

TODAY = dt.date(2018, 4, 20)
BEFORE_MERGER = "2015/16-Q1"
BETWEEN = "2016/17-Q2"
LATEST_CLOSED = "2017/18-Q3"
OPEN = "2017/18-Q4"
PERIODS = (BEFORE_MERGER, BETWEEN, LATEST_CLOSED, OPEN)

# code, 2015 region, 2015 CCG, 2019 region, 2019 CCG, 2019 join date, close date
PRACTICES = (
    ("A10001", "Y54", "01A", "Y62", "01A", "20130401", ""),
    ("A10002", "Y54", "01A", "Y62", "01A", "20130401", ""),
    ("A10003", "Y54", "01A", "Y62", "01B", "20170401", ""),  # moved CCG
    ("A20001", "Y54", "01B", "Y62", "01B", "20130401", ""),
    ("A20002", "Y54", "01B", "Y62", "01B", "20130401", ""),
    ("E30001", "Y56", "07A", "Y56", "07A", "20130401", ""),
    ("E30002", "Y56", "07A", "Y56", "07A", "20130401", ""),
    ("E30003", "Y56", "07A", "Y56", "07A", "20130401", "20160930"),  # closed
    ("J40001", "Y57", "11A", "Y58", "11C", "20170401", ""),  # merged CCGs
    ("J40002", "Y57", "11A", "Y58", "11C", "20170401", ""),
    ("J50001", "Y57", "11B", "Y58", "11C", "20170401", ""),
)
CCG_NAMES = {"01A": "NHS North One CCG", "01B": "NHS North Two CCG", "07A": "NHS London One CCG"}
CCG_NAMES |= {"11A": "NHS South One CCG", "11B": "NHS South Two CCG", "11C": "NHS South Merged CCG"}


def _ods_row(code: str, region: str, ccg: str, status: str, close: str, joined: str) -> str:
    cells = [""] * 27
    cells[0], cells[1], cells[2], cells[3] = code, f"PRACTICE {code}", region, "Q99"
    cells[4], cells[9] = "1 HIGH STREET", "AB1 2CD"
    cells[10], cells[11], cells[12], cells[13] = "19900401", close, status, "B"
    cells[14], cells[15], cells[25] = ccg, joined, "4"
    return ",".join(f'"{c}"' for c in cells)


def edition_2015() -> bytes:
    rows = [_ods_row(c, r15, c15, "A", "", "20130401") for c, r15, c15, *_ in PRACTICES]
    rows.append(_ods_row("Z99999", "Y54", "01A", "A", "", "20150701"))  # dates the edition 1 July 2015
    return "\n".join(rows).encode()


def edition_2019() -> bytes:
    rows = []
    for code, _, _, r19, c19, joined, close in PRACTICES:
        rows.append(_ods_row(code, r19, c19, "C" if close else "A", close, joined))
    rows.append(_ods_row("Z99999", "Y62", "01A", "A", "", "20191201"))
    return "\n".join(rows).encode()


def memberships() -> bytes:
    lines = []
    for code, _, c15, _, c19, joined, close in PRACTICES:
        if c15 == c19:
            lines.append(f'"{code}","{c15}","W","20130401","{close}","0"')
        else:
            lines.append(f'"{code}","{c15}","W","20130401","20170331","0"')
            lines.append(f'"{code}","{c19}","W","{joined}","","0"')
        lines.append(f'"{code}","5XX","W","20010401","20130331","0"')  # a primary care trust before CCGs
    return "\n".join(lines).encode()


def ccg_file() -> bytes:
    rows = []
    for code, name in CCG_NAMES.items():
        cells = [""] * 27
        cells[0], cells[1], cells[2], cells[10] = code, name.upper(), "Y99", "20130401"
        if code in ("11A", "11B"):
            cells[11] = "20170331"
        rows.append(",".join(f'"{c}"' for c in cells))
    return "\n".join(rows).encode()


def _due_time(period: dict[str, Any], late: bool) -> dt.datetime:
    due: dt.date = period["due_on"]
    if late:
        # Late by the UK rule though still the due date in UTC in summer: 23:30 UTC is 00:30 BST.
        return dt.datetime.combine(due, dt.time(23, 30), dt.UTC) + dt.timedelta(
            days=0 if due.month in (4, 7, 10) else 1
        )
    return dt.datetime.combine(due - dt.timedelta(days=3), dt.time(10), dt.UTC)


async def build() -> dict[str, Any]:
    await setup_catalogue()
    await import_service.import_ods(edition_2015())
    await import_service.import_ods(edition_2019())
    await import_service.import_ccgs(ccg_file())
    await import_service.import_memberships(memberships())
    practices = {r["ods_code"]: r for r in await Practice.select()}
    for i, code in enumerate(sorted(practices)):
        for snapshot, patients in ((dt.date(2015, 4, 1), 4000 + 500 * i), (dt.date(2018, 1, 1), 4200 + 450 * i)):
            await ListSize.insert(ListSize(practice=practices[code]["id"], snapshot_date=snapshot, patients=patients))
    from tests.returns.factories import period as period_row

    for p_index, code in enumerate(PERIODS):
        pe = await period_row(code)
        for i, (ods, *_rest, close) in enumerate(PRACTICES):
            if close and dt.date.fromisoformat(f"{close[:4]}-{close[4:6]}-{close[6:]}") < pe["start_date"]:
                continue
            kind = (i + p_index) % 6
            if kind == 5:
                continue  # no return at all
            state = {0: "approved", 1: "approved", 2: "approved", 3: "submitted", 4: "draft"}[kind]
            if code == OPEN and kind == 3:
                state = "returned"  # sent back for a correction: still received
            values = complete_values(ERS_UTIL_PCT=20.0 + 7 * i + 10 * p_index, LG_DIGITISED_PCT=30.0 + 5 * i)
            sent = None if state == "draft" else _due_time(pe, late=kind == 1)
            await make_return(practices[ods], code, state, values, submitted_at=sent)
    stream = await FundingStream.insert(
        FundingStream(
            code="GPIT_REVENUE",
            name="GP IT revenue",
            kind="revenue",
            method="fair_share",
            financial_years="2015/16",
            pot_pence=1_000_000_00,
            created_at=dt.datetime(2015, 4, 1, tzinfo=dt.UTC),
        )
    ).returning(FundingStream.id)
    run = await AllocationRun.insert(
        AllocationRun(
            stream=stream[0]["id"],
            financial_year="2015/16",
            pot_pence=1_000_000_00,
            snapshot_date=dt.date(2015, 4, 1),
            state="approved",
            created_at=dt.datetime(2015, 4, 2, tzinfo=dt.UTC),
            approved_at=dt.datetime(2015, 4, 3, tzinfo=dt.UTC),
        )
    ).returning(AllocationRun.id)
    ccgs = {r["code"]: r["id"] for r in await Ccg.select(Ccg.id, Ccg.code)}
    shares = {"01A": 30_000_000, "01B": 20_000_000, "07A": 25_000_000, "11A": 15_000_000, "11B": 10_000_000}
    for code, pence in shares.items():
        await AllocationLine.insert(
            AllocationLine(run=run[0]["id"], ccg_code=code, ccg=ccgs[code], patients=10_000, amount_pence=pence)
        )
    await maturity.refresh_all(TODAY)
    return {"practices": practices, "ccgs": ccgs}
