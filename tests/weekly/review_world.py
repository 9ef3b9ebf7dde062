"""A CCG (00K) whose review queue has something to look at, on 2018-04-20 (2017/18 Q4 open).

A81001 The Densham Surgery submitted 2017/18 Q4 with records digitised jumping from 35% (its last
4 approved values 30, 32, 34, 35) to 90%, electronic prescriptions falling from 70% to 40% without
a comment, and 60% of patients registered online where the national feed says 24%.
A81002 submitted values like its last ones: nothing to flag. Ten more practices (A81010-A81019)
have their 2017/18 Q4 return approved: the CCG's peers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.factories import make_org_tree, make_practice
from tests.returns.factories import OPEN, complete_values, make_return, setup_catalogue
from tracker.tables import FeedValue

TODAY = dt.date(2018, 4, 20)
HISTORY = ["2016/17-Q4", "2017/18-Q1", "2017/18-Q2", "2017/18-Q3"]
DIGITISED = [30.0, 32.0, 34.0, 35.0]


async def review_world() -> dict[str, Any]:
    await setup_catalogue()
    tree = await make_org_tree()
    ccg = tree["ccgs"][0]
    a1, a2 = tree["practices"][0], tree["practices"][1]
    for code, digitised in zip(HISTORY, DIGITISED, strict=True):
        sent = dt.datetime(2018, 1, 15, 10, tzinfo=dt.UTC)
        await make_return(a1, code, "approved", complete_values(LG_DIGITISED_PCT=digitised), submitted_at=sent)
        await make_return(a2, code, "approved", complete_values(LG_DIGITISED_PCT=40.0), submitted_at=sent)
    await make_return(
        a1,
        OPEN,
        "submitted",
        complete_values(LG_DIGITISED_PCT=90.0, EPS_UTIL_PCT=40.0, PO_REG_PCT=60.0),
        submitted_at=dt.datetime(2018, 4, 12, 9, 15, tzinfo=dt.UTC),
    )
    await make_return(
        a2,
        OPEN,
        "submitted",
        complete_values(LG_DIGITISED_PCT=41.0),
        submitted_at=dt.datetime(2018, 4, 13, 14, 40, tzinfo=dt.UTC),
    )
    peers = []
    for n in range(10):
        p = await make_practice(ccg, f"A810{10 + n}", f"PEER SURGERY {n + 1}")
        await make_return(p, OPEN, "approved", complete_values(LG_DIGITISED_PCT=30.0 + n * 2, EPS_UTIL_PCT=65.0 + n))
        peers.append(p)
    await FeedValue.insert(
        FeedValue(
            practice=a1["id"],
            period_code=OPEN,
            indicator_code="PO_REG_PCT",
            source="pomi",
            value=24.0,
            numerator=1440.0,
            denominator=6000.0,
            detail="POMI MAR2018: 1,440 of 6,000",
        )
    )
    return {**tree, "peers": peers}
